/* tact-pinyin-table.h: the generated reading table (tact-pinyin-table.c). */
#pragma once

#include <glib.h>

#define TACT_PINYIN_FIRST 0x3400
#define TACT_PINYIN_LAST  0x9FFF

typedef struct {
  guint32 code;
  guint16 syllable;
} TactPinyinSecond;

/* Index 0 is NULL (no reading). */
extern const char * const tact_pinyin_syllables[];
/* The first reading of each ideograph from TACT_PINYIN_FIRST to TACT_PINYIN_LAST. */
extern const guint16 tact_pinyin_first[TACT_PINYIN_LAST - TACT_PINYIN_FIRST + 1];
/* Second readings, sorted by code point. */
extern const TactPinyinSecond tact_pinyin_second[];
extern const guint tact_pinyin_n_second;
