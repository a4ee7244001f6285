#!/usr/bin/env python3
"""Writes the seed corpus for fuzz-sync: the raw response body of every /sync fixture,
plus a few hostile shapes. Usage: make-corpus.py FIXTURES_DIR OUT_DIR"""
import json, os, sys

fixtures, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
d = os.path.join(fixtures, 'synapse-1.67')
n = 0
for name in sorted(os.listdir(d)):
    if not name.endswith('.json'):
        continue
    with open(os.path.join(d, name), encoding='utf-8') as f:
        fx = json.load(f)
    req = fx.get('request', {})
    if not req.get('path', '').endswith('/sync') or not isinstance(fx.get('response'), dict):
        continue
    with open(os.path.join(out, 'seed-' + name), 'w', encoding='utf-8') as f:
        json.dump(fx['response'], f, ensure_ascii=False)
    n += 1

hostile = {
    'wrong-types': '{"next_batch":"s1","rooms":{"join":{"!a:b":{"timeline":{"events":[1,"x",null,{"type":5}]},"ephemeral":{"events":[{"type":"m.receipt","content":{"$e":{"m.read":{"@u:b":{"ts":"x"}}}}},{"type":"m.receipt","content":[]}]},"unread_notifications":{"notification_count":-5,"highlight_count":"2"}}},"invite":[],"leave":7},"account_data":{"events":{}}}',
    'receipt-deep': '{"next_batch":"s","rooms":{"join":{"!r:x":{"ephemeral":{"events":[{"type":"m.receipt","content":{"$1":{"m.read":{"@a:x":{"ts":1,"thread_id":"main"}},"m.read.private":5},"$2":[]}}]}}}}}',
    'no-next-batch': '{"rooms":{}}',
    'deep': '[' * 300 + ']' * 300,
}
for name, text in hostile.items():
    with open(os.path.join(out, 'seed-hostile-' + name), 'w') as f:
        f.write(text)
print(f'{n} /sync fixtures, {len(hostile)} hostile seeds')
