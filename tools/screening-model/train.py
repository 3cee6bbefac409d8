"""Trains the two logistic models of the built-in injection detector (pure Python, deterministic).

    python3 tools/screening-model/train.py [--data tests/data] [--out src/Contracts.Ai/Protection/Resources/injection-model.bin]

Data: tests/data/injection/dev.jsonl (sources and licences in tests/data/README.md). Rows are split
deterministically: a quarter of each source's rows, and a fifth of the BIPIA attack categories, are held
out (see split()); only the rest is trained on. `--heldout-dir DIR` writes the held-out rows as a data
folder that `contracts-ai eval-screening DIR` measures.

Models:
- prompt: whole-text word unigrams + bigrams; positives: direct injections; negatives: benign prompts
  and clean tool output (so that length alone does not decide).
- segment: per line / sentence, unigrams + bigrams + the first word; positives: the injected segment of
  each attacked tool output (multiple-instance: the top-scoring new segment, after a first round that
  takes every segment not seen in clean output); negatives: segments of clean tool output.
"""
import argparse, json, math, os, random, struct, sys, zlib
sys.path.insert(0, os.path.dirname(__file__))
from features import tokens, features, segments, BITS

def split(rows):
    train, held = [], []
    cats = sorted({r['source'] for r in rows if r['label'] == 'injection' and r['kind'] == 'tool_output'})
    held_cats = set(cats[2::5])
    counters = {}
    for r in rows:
        if r['label'] == 'injection' and r['kind'] == 'tool_output':
            (held if r['source'] in held_cats else train).append(r)
            continue
        key = r['source'].split('/')[0] + r['label'] + r['kind']
        i = counters.get(key, 0); counters[key] = i + 1
        (held if i % 4 == 3 else train).append(r)
    return train, held

def is_table_row(s):
    t = s.strip()
    return t.startswith('|') or t.count('|') >= 2

def vec(feats):
    s = 1.0 / math.sqrt(max(1, len(feats)))
    return [(f, s) for f in feats]

def train_lr(data, epochs=30, l2=1e-4, lr0=0.5, seed=7, pos_weight=1.0):
    w = {}
    b = 0.0
    g2 = {}
    gb = 1e-8
    rnd = random.Random(seed)
    idx = list(range(len(data)))
    for ep in range(epochs):
        rnd.shuffle(idx)
        for i in idx:
            x, y = data[i][0], data[i][1]
            sw = data[i][2] if len(data[i]) > 2 else 1.0
            z = b + sum(w.get(f, 0.0) * v for f, v in x)
            p = 1.0 / (1.0 + math.exp(-max(-30, min(30, z))))
            cw = pos_weight if y else 1.0
            g = (p - y) * cw * sw
            for f, v in x:
                gf = g * v + l2 * w.get(f, 0.0)
                g2[f] = g2.get(f, 1e-8) + gf * gf
                w[f] = w.get(f, 0.0) - lr0 * gf / math.sqrt(g2[f])
            gb += g * g
            b -= lr0 * g / math.sqrt(gb)
    return w, b

def score(model, x):
    w, b = model
    z = b + sum(w.get(f, 0.0) * v for f, v in x)
    return 1.0 / (1.0 + math.exp(-max(-30, min(30, z))))

def seg_feats(seg):
    t = tokens(seg)
    if len(t) < 3:
        return None
    return vec(features(t, True))

def doc_segments(text):
    out = []
    for s in segments(text):
        x = seg_feats(s)
        if x is not None:
            out.append((s, x))
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='tests/data')
    ap.add_argument('--out', default='src/Contracts.Ai/Protection/Resources/injection-model.bin')
    ap.add_argument('--heldout-dir')
    ap.add_argument('--all', action='store_true', help='train on every row (no held-out split)')
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(os.path.join(a.data, 'injection', 'dev.jsonl'), encoding='utf-8') if l.strip()]
    train, held = (rows, []) if a.all else split(rows)
    if a.heldout_dir:
        os.makedirs(os.path.join(a.heldout_dir, 'injection'), exist_ok=True)
        with open(os.path.join(a.heldout_dir, 'injection', 'heldout.jsonl'), 'w', encoding='utf-8') as f:
            for r in held:
                f.write(json.dumps(r, ensure_ascii=False) + '\n')

    # prompt model
    pdata = []
    for r in train:
        if r['kind'] == 'direct' or r['label'] == 'benign':
            y = 1 if (r['label'] == 'injection') else 0
            pdata.append((vec(features(tokens(r['text']), False)), y))
    prompt = train_lr(pdata, epochs=25)

    # segment model, multiple-instance
    clean_segs = set()
    neg = []
    for r in train:
        if r['kind'] == 'tool_output' and r['label'] == 'benign':
            for s, x in doc_segments(r['text']):
                clean_segs.add(s.strip())
                neg.append((x, 0))
    bags = []
    for r in train:
        if r['kind'] == 'tool_output' and r['label'] == 'injection':
            # Table rows are data, never the instruction: they are not candidates.
            bags.append([(s, x) for s, x in doc_segments(r['text']) if s.strip() not in clean_segs and not is_table_row(s)])
    # First round: every new segment of an attacked output is a positive, weighted 1/len(bag).
    pos = [(x, 1, 1.0 / len(bag)) for bag in bags for s, x in bag]
    seg = train_lr(neg + pos, epochs=15, pos_weight=3.0)
    for round_ in range(2):
        pos = []
        for bag in bags:
            if bag:
                best = max(bag, key=lambda sx: score(seg, sx[1]))
                # A bag whose best segment is still doubtful teaches noise: leave it out.
                if score(seg, best[1]) >= 0.5:
                    pos.append((best[1], 1))
        seg = train_lr(neg + pos, epochs=25, pos_weight=3.0)

    write(a.out, prompt, seg)
    report(prompt, seg, train, 'train')
    if held:
        report(prompt, seg, held, 'held-out')

def doc_seg_score(seg, text):
    best = 0.0
    for s, x in doc_segments(text):
        best = max(best, score(seg, x))
    return best

def report(prompt, seg, rows, name):
    import collections
    c = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        if r['kind'] == 'direct':
            p = score(prompt, vec(features(tokens(r['text']), False)))
        else:
            p = doc_seg_score(seg, r['text'])
        key = (r['kind'], r['label'])
        c[key][0] += 1
        for t in (0.5,):
            c[key][1] += p >= t
    for k, (n, hit) in sorted(c.items()):
        print(f'{name:9} {k[0]:12} {k[1]:10} n={n:4} flagged@0.5={hit/n:.3f}')

def write(path, prompt, seg):
    """Format: 'CAIM' magic, version 1, bits; then per model: bias (f32), count (i32), count x (index i32, weight f32); deflated."""
    body = bytearray()
    body += struct.pack('<4sii', b'CAIM', 1, BITS)
    for w, b in (prompt, seg):
        items = sorted((f, v) for f, v in w.items() if abs(v) >= 1e-3)
        body += struct.pack('<fi', b, len(items))
        for f, v in items:
            body += struct.pack('<if', f, v)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = comp.compress(bytes(body)) + comp.flush()
    with open(path, 'wb') as f:
        f.write(data)
    print(f'wrote {path}: {len(data)} bytes ({len(body)} raw)')

if __name__ == '__main__':
    main()
