#!/usr/bin/python3
"""Builds embedflow's starter text-embedding model and the small test fixtures.

The weights are UNTRAINED (seeded random init): the model exists so that the embedded
default runs end to end with no download. Its vectors are deterministic but carry no
meaning. Bring a real model (e.g. one converted from Hugging Face with DJL's converter)
for real work.

Layout written (the one DJL's converter produces for Hugging Face text-embedding models):
  <dir>/<name>.pt           TorchScript; forward(input_ids, attention_mask) -> last hidden state
  <dir>/tokenizer.json      Hugging Face tokenizer (BERT normalizer, WordPiece)
  <dir>/serving.properties  pooling, normalize, maxLength

Run with Debian's python3 and python3-torch (apt-get install python3-torch):
  /usr/bin/python3 models/starter/make_starter_model.py
"""
import collections
import json
import math
import os
import random
import string

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORDS = os.path.join(REPO, "orchestrator/src/main/resources/io/embedflow/orchestrator/demo/words.txt")
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SUFFIXES = ["s", "es", "ed", "ing", "er", "ly", "ion", "al", "ment", "ness"]


def build_corpus(seed=7, sentences=20000):
    words = open(WORDS).read().split()
    rng = random.Random(seed)
    corpus = []
    for _ in range(sentences):
        n = rng.randint(3, 20)
        corpus.append(" ".join(rng.choice(words) for _ in range(n)) + rng.choice([".", "!", "?"]))
    return corpus


def build_vocab(corpus, max_words=2000):
    counts = collections.Counter()
    for line in corpus:
        for w in line.lower().replace(".", " ").replace("!", " ").replace("?", " ").split():
            counts[w] += 1
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = list(SPECIALS) + chars + ["##" + c for c in chars] + ["##" + s for s in SUFFIXES]
    seen = set(vocab)
    for w, _ in counts.most_common(max_words):
        if w not in seen:
            vocab.append(w)
            seen.add(w)
    return vocab


def tokenizer_json(vocab):
    ids = {t: i for i, t in enumerate(vocab)}
    special = lambda t: {"SpecialToken": {"id": t, "type_id": 0}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True} for t in SPECIALS],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, special("[SEP]")],
            "pair": [special("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, special("[SEP]"),
                     {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ["[CLS]", "[SEP]"]},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


class Layer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden)
        self.ff1 = nn.Linear(hidden, ffn)
        self.ff2 = nn.Linear(ffn, hidden)
        self.ln2 = nn.LayerNorm(hidden)

    def forward(self, x, bias):
        b, n, h = x.shape
        d = h // self.heads
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, n, h)
        x = self.ln1(x + self.out(ctx))
        return self.ln2(x + self.ff2(torch.nn.functional.gelu(self.ff1(x))))


class Encoder(nn.Module):
    """A BERT-style encoder; `output` picks the return shape: tensor, tuple or dict."""

    def __init__(self, vocab_size, hidden, layers, heads, ffn, max_positions, output):
        super().__init__()
        self.output = output
        self.tokens = nn.Embedding(vocab_size, hidden)
        self.positions = nn.Embedding(max_positions, hidden)
        self.ln = nn.LayerNorm(hidden)
        self.layers = nn.ModuleList([Layer(hidden, heads, ffn) for _ in range(layers)])
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02 * 10)

    def forward(self, input_ids, attention_mask):
        positions = torch.cumsum(torch.ones_like(input_ids), dim=1) - 1
        x = self.ln(self.tokens(input_ids) + self.positions(positions))
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -1e9
        for layer in self.layers:
            x = layer(x, bias)
        if self.output == "tuple":
            return x, x[:, 0]
        if self.output == "dict":
            return {"last_hidden_state": x}
        return x


def write_model(out_dir, name, vocab, tok, hidden, layers, heads, ffn, output, pooling, normalize, max_length, seed,
                dtype=torch.float32):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(seed)
    model = Encoder(len(vocab), hidden, layers, heads, ffn, 512, output).eval().to(dtype)
    ids = torch.randint(5, len(vocab), (2, 12))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    with torch.no_grad():
        traced = torch.jit.trace(model, (ids, mask), strict=False)
        # a text's hidden states must not depend on the padding of its batch
        alone = traced(ids[1:2, :7], mask[1:2, :7])
        batched = traced(ids, mask)
        if output == "tuple":
            alone, batched = alone[0], batched[0]
        elif output == "dict":
            alone, batched = alone["last_hidden_state"], batched["last_hidden_state"]
        diff = (alone[0].float() - batched[1, :7].float()).abs().max().item()
        assert diff < (1e-5 if dtype == torch.float32 else 5e-2), diff
    traced.save(os.path.join(out_dir, name + ".pt"))
    with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
        json.dump(tok, f, indent=None, sort_keys=True)
    with open(os.path.join(out_dir, "serving.properties"), "w") as f:
        f.write("engine=PyTorch\n")
        f.write("option.modelName=%s\n" % name)
        f.write("pooling=%s\nnormalize=%s\nmaxLength=%d\n" % (pooling, str(normalize).lower(), max_length))
    print("wrote %s (%d parameters, batch/alone diff %.2e)" % (
        out_dir, sum(p.numel() for p in model.parameters()), diff))


def main():
    vocab = build_vocab(build_corpus())
    tok = tokenizer_json(vocab)
    write_model(os.path.join(HERE, "model"), "starter", vocab, tok,
                hidden=128, layers=2, heads=4, ffn=512, output="tensor",
                pooling="mean", normalize=True, max_length=128, seed=1)
    fixtures = os.path.join(REPO, "models", "fixtures")
    write_model(os.path.join(fixtures, "tiny-tuple"), "tiny-tuple", vocab, tok,
                hidden=32, layers=1, heads=2, ffn=64, output="tuple",
                pooling="cls", normalize=False, max_length=16, seed=2)
    write_model(os.path.join(fixtures, "tiny-dict"), "tiny-dict", vocab, tok,
                hidden=32, layers=1, heads=2, ffn=64, output="dict",
                pooling="mean", normalize=True, max_length=32, seed=3)
    # a model exported in bfloat16: embedflow runs it in its own precision and pools in float32
    write_model(os.path.join(fixtures, "tiny-bf16"), "tiny-bf16", vocab, tok,
                hidden=32, layers=1, heads=2, ffn=64, output="tensor",
                pooling="mean", normalize=True, max_length=32, seed=4, dtype=torch.bfloat16)


if __name__ == "__main__":
    main()
