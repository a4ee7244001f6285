#!/usr/bin/env python3
"""Writes the seed corpus of a src/policy fuzz target (fuzz-profile, fuzz-scan,
fuzz-attachment): small inputs that reach every reader, generated here so that
no binary fixture is kept in the tree.
Usage: make-policy-corpus.py TARGET SOURCE_ROOT OUT_DIR"""
import io, json, os, sys, tarfile, gzip, zipfile

target, root, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
seeds = {}

def localized(text):
    return {'en': text, 'zh_CN': text, 'zh_TW': text}

if target == 'profile':
    profiles = os.path.join(root, 'data', 'profiles')
    for name in sorted(os.listdir(profiles)):
        if name.endswith('.json'):
            with open(os.path.join(profiles, name), 'rb') as f:
                seeds['shipped-' + name] = f.read()
    detectors = [
        {'type': 'terms', 'terms': ['机密', 'secret'], 'support': {'keywords': ['文件'], 'window': 10}},
        {'type': 'regex', 'patterns': ['(听说|据说).{0,12}裁员']},
        {'type': 'identifier', 'kinds': ['url', 'password', 'bank_card'], 'known_hosts': ['example.com']},
        {'type': 'exact', 'salt': '00112233445566778899', 'token_kinds': ['name', 'phone'],
         'hashes': ['0' * 64]},
        {'type': 'classification', 'levels': ['机密', 'internal']},
        {'type': 'file_type', 'executable': True, 'mismatch': True},
        {'type': 'uninspectable'},
    ]
    for i, detector in enumerate(detectors):
        rule = {'id': 'r%d' % i, 'title': localized('T'), 'explanation': localized('E'),
                'clauses': ['PUB-1'], 'detectors': [detector], 'action': 'approve',
                'action_if_external': 'block', 'alternative': localized('A'),
                'approver': {'role': 'department_head', 'users': ['@a:example.com']},
                'conditions': {'min_external': 0, 'min_members': 2, 'room_kinds': ['dm', 'group']},
                'min_confidence': 'medium', 'min_instances': 1, 'example': '机密'}
        profile = {'format': 1, 'id': 't', 'version': '1', 'name': localized('N'),
                   'allow_terms': ['非机密'], 'rules': [rule]}
        seeds['detector-%d-%s.json' % (i, detector['type'])] = json.dumps(profile, ensure_ascii=False).encode()
    seeds['errors.json'] = b'{"format":1,"id":"t t","version":2,"rules":[{"id":"x","detectors":[{"type":"ml"}]}],"x":1}'
    # Format 2: roles, approvals, audit, announcement (docs/profile.md, "Format 2").
    profile = {'format': 2, 'id': 't', 'version': '1', 'name': localized('N'),
               'roles': {'department_head': ['@wang.fang:corp.test', '@a:example.com']},
               'approvals': {'room': '#approvals:corp.test', 'expiry_hours': 72},
               'audit': {'supervision_room': '!sup:corp.test', 'include_content': False},
               'announcement': {'min_members': 100}, 'rules': [rule]}
    seeds['format2.json'] = json.dumps(profile, ensure_ascii=False).encode()
    seeds['format2-errors.json'] = (b'{"format":2,"id":"t","version":"1","roles":{"x y":["bob"]},'
                                    b'"approvals":{"room":"approvals","expiry_hours":0},'
                                    b'"audit":{"include_content":"yes"},"announcement":{}}')
    seeds['format3.json'] = b'{"format":3,"id":"t"}'
    # The loader's bounds (docs/profile.md, "Limits"), within the smoke run's -max_len of
    # 64 KB: deep nesting (32,768 levels: a crash in json-glib before the pre-scan), deep
    # inside a profile, an object of too many keys repeated (quadratic in json-glib), a
    # term over the length limit. Each is refused at once, so they cost the run nothing.
    seeds['limit-deep-arrays.json'] = b'[' * 32768 + b']' * 32768
    seeds['limit-deep-objects.json'] = b'{"a":' * 10000 + b'1' + b'}' * 10000
    deep_rule = dict(rule, detectors=[{'type': 'terms', 'terms': ['x']}])
    text = json.dumps(dict(profile, rules=[rule, deep_rule]), ensure_ascii=False)
    seeds['limit-deep-in-profile.json'] = text.replace('["x"]', '[' * 70 + '"x"' + ']' * 70).encode()
    seeds['limit-keys.json'] = ('{"format":1,"id":"t","version":"1","name":{' +
                                ','.join('"k%d":"x"' % (i % 200) for i in range(400)) +
                                '},"rules":[]}').encode()
    long_rule = dict(rule, detectors=[{'type': 'terms', 'terms': ['机' * 257]}])
    seeds['limit-long-term.json'] = json.dumps(dict(profile, rules=[long_rule]),
                                               ensure_ascii=False).encode()

elif target == 'scan':
    texts = [
        '这份机密报价单不要外传', '機密檔案', '机 密 · 文_件', 'ｍｙ ｐａｓｓｗｏｒｄ ｉｓ Ｔｒ０ｕｂ４ｄｏｒ＆３',
        'password=hunter2', '密码：abc12345', 'the password is weak', '非机密文件',
        '身份证 11010519491231002X 卡号 6225880123456783', '客户王总的电话是 13912345678',
        'mail me at a.b@example.com or https://files.unknown-share.net/x.zip',
        '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----',
        'token ghp_0123456789abcdefghijABCDEFGHIJ012345', 'GB82WEST12345698765432',
        '机\u200b密', 'ѕесrеt', '听说公司要裁员了', '我们的产品全网最低价', '重要通知：明天全员开会',
    ]
    for i, text in enumerate(texts):
        seeds['text-%02d' % i] = bytes([i * 37 % 256]) + text.encode()
    seeds['invalid-utf8'] = b'\x05\xe6\x9c\xba\xff\xe5\xaf\x86\xc0\x80'
    seeds['nul-split'] = b'\x01a\x00\xe6\x9c\xba\xe5\xaf\x86'
    seeds['combining'] = b'\x02' + ('e\u0301' * 50 + '机' + '\u0300' * 40 + '密').encode()

elif target == 'attachment':
    # The first byte picks the file name: the index in fuzz-attachment.c's names[].
    names = ['docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'pdf', 'zip', 'tar', 'tar.gz',
             '7z', 'gz', 'txt', 'csv', 'exe', 'sh', 'png', '']

    def zipped(files, encrypt_flag=False):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
            for name, data in files.items():
                z.writestr(name, data)
        return buf.getvalue()

    custom = ('<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/'
              'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/'
              'officeDocument/2006/docPropsVTypes"><property name="MSIP_Label_1_Name" pid="2">'
              '<vt:lpwstr>Confidential</vt:lpwstr></property><property name="密级" pid="3">'
              '<vt:lpwstr>内部</vt:lpwstr></property></Properties>')
    docx = zipped({
        '[Content_Types].xml': '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        'word/document.xml': '<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>这份机密报价单</w:t></w:r></w:p></w:body></w:document>',
        'word/header1.xml': '<w:hdr xmlns:w="w"><w:p><w:r><w:t>绝密</w:t></w:r></w:p></w:hdr>',
        'docProps/custom.xml': custom,
        'docProps/core.xml': '<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:title>CONFIDENTIAL</dc:title></cp:coreProperties>',
    })
    xlsx = zipped({
        '[Content_Types].xml': '<Types/>',
        'xl/sharedStrings.xml': '<sst xmlns="s"><si><t>客户名单 13912345678</t></si></sst>',
        'xl/worksheets/sheet1.xml': '<worksheet><headerFooter><oddHeader>机密</oddHeader></headerFooter></worksheet>',
        'docProps/custom.xml': custom,
    })
    pptx = zipped({
        '[Content_Types].xml': '<Types/>',
        'ppt/slides/slide1.xml': '<p:sld xmlns:p="p" xmlns:a="a"><a:t>内部资料 password=hunter2</a:t></p:sld>',
    })
    def odf(mime, content):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, 'w') as z:
            z.writestr(zipfile.ZipInfo('mimetype'), mime)
            z.writestr('content.xml', '<office:document-content xmlns:office="o" xmlns:text="t"><text:p>' + content + '</text:p></office:document-content>')
            z.writestr('meta.xml', '<office:document-meta xmlns:office="o" xmlns:meta="m"><office:meta><meta:user-defined meta:name="Classification">机密</meta:user-defined></office:meta></office:document-meta>')
            z.writestr('styles.xml', '<office:document-styles xmlns:office="o" xmlns:style="s" xmlns:text="t"><style:header><text:p>INTERNAL ONLY</text:p></style:header></office:document-styles>')
        return buf.getvalue()
    pdf = (b'%PDF-1.4\n1 0 obj << /Title (\\346\\234\\272\\345\\257\\206) /Classification (Secret) '
           b'/Keywords <FEFF673A5BC6> >> endobj\n'
           b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="r">'
           b'<rdf:Description xmlns:pdfx="p" pdfx:Classification="Confidential"/></rdf:RDF></x:xmpmeta>'
           b'<?xpacket end="w"?>\ntrailer << /Info 1 0 R >>\n%%EOF\n')
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode='w') as t:
        for name, data in (('a/report.docx', docx), ('b.txt', '机密'.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    inner = zipped({'inner.docx': docx, 'note.txt': '解压密码 1234'})
    files = {
        'docx': docx, 'xlsx': xlsx, 'pptx': pptx,
        'odt': odf('application/vnd.oasis.opendocument.text', '机密 项目'),
        'ods': odf('application/vnd.oasis.opendocument.spreadsheet', '报价'),
        'odp': odf('application/vnd.oasis.opendocument.presentation', '路线图'),
        'pdf': pdf,
        'zip': zipped({'outer/inner.zip': inner, 'x.exe': b'MZ\x90\x00'}),
        'tar': tar_buf.getvalue(),
        'tar.gz': gzip.compress(tar_buf.getvalue()),
        'gz': gzip.compress('机密 文本'.encode()),
        'txt': '\ufeff这份机密报价单\n客户电话 13912345678\n'.encode(),
        'csv': '姓名,身份证\n张三,11010519491231002X\n'.encode('gb18030'),
        'exe': b'\x7fELF\x02\x01\x01' + b'\x00' * 57,
        'sh': b'#!/bin/sh\necho hi\n',
        'png': docx,  # a mismatch
        '': b'\xff\xfe' + '机密'.encode('utf-16-le'),
    }
    for ext, data in files.items():
        seeds['file-' + (ext or 'noext')] = bytes([names.index(ext)]) + data
    seeds['bomb'] = bytes([names.index('zip')]) + zipped({'zeros': b'\0' * (4 << 20)})

else:
    sys.exit('unknown target ' + target)

for name, data in seeds.items():
    with open(os.path.join(out, 'seed-' + name), 'wb') as f:
        f.write(data)
print(f'{target}: {len(seeds)} seeds')
