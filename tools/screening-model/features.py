"""Feature hashing shared by the trainer; mirrors src/Contracts.Ai/Protection/InjectionModel.cs exactly."""

BITS = 18
MASK = (1 << BITS) - 1
FNV_OFFSET = 2166136261
FNV_PRIME = 16777619


def is_token_char(c):
    o = ord(c)
    if o < 128:
        return c.isalnum()
    return o < 0xD800 and c.isalpha()


def lower(c):
    o = ord(c)
    if 65 <= o <= 90:
        return chr(o + 32)
    if o < 128:
        return c
    low = c.lower()
    return low if len(low) == 1 else c


def fnv(h, s):
    for ch in s:
        h ^= ord(ch)
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def tokens(text):
    out = []
    cur = []
    for c in text:
        if is_token_char(c):
            cur.append(lower(c))
        elif cur:
            out.append(''.join(cur))
            cur = []
    if cur:
        out.append(''.join(cur))
    return out


def features(toks, first_marker):
    """Hashed feature indices: unigrams, bigrams, and (for segments) the first token marked."""
    feats = set()
    prev = None
    for t in toks:
        h = fnv(FNV_OFFSET, t)
        feats.add(h & MASK)
        if prev is not None:
            feats.add(fnv(fnv(prev, ' '), t) & MASK)
        prev = h
        # bigram hash continues from the previous token's hash: fnv(prev_hash, ' ' + t)
    if first_marker and toks:
        feats.add(fnv(fnv(FNV_OFFSET, '^'), toks[0]) & MASK)
    return sorted(feats)


SEGMENT_END = '.?!:;\n'


def segments(text):
    """Lines and sentences: split at newlines and at . ? ! : followed by whitespace."""
    out = []
    start = 0
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == '\n' or (c in '.?!:' and (i + 1 == n or text[i + 1] in ' \t\r\n')):
            if i + 1 > start:
                out.append(text[start:i + 1])
            start = i + 1
        i += 1
    if start < n:
        out.append(text[start:])
    return out
