"""Loads a `workbench poem train` checkpoint into the homework's PyTorch model.

The model classes below rebuild Lab 5's `word_embedding` + `RNN_model` (same attribute
names, so the same state_dict keys), then call
`model.load_state_dict(safetensors.torch.load_file(path), strict=True)`.
With a corpus, it also scores the poems (mean cross-entropy over every position, as
`workbench poem eval`) so the two implementations can be compared.

usage: python scripts/check_poem_checkpoint.py CHECKPOINT [CORPUS] [--limit N]
needs: torch, safetensors
"""
import argparse
import json
import math

import safetensors
import safetensors.torch
import torch
import torch.nn as nn


class word_embedding(nn.Module):
    def __init__(self, vocab_length, embedding_dim):
        super().__init__()
        self.word_embedding = nn.Embedding(vocab_length, embedding_dim)


class RNN_model(nn.Module):
    def __init__(self, vocab_len, word_embedding, embedding_dim, lstm_hidden_dim, layers=2):
        super().__init__()
        self.word_embedding_lookup = word_embedding
        self.vocab_length = vocab_len
        self.word_embedding_dim = embedding_dim
        self.lstm_dim = lstm_hidden_dim
        self.rnn_lstm = nn.LSTM(input_size=embedding_dim, hidden_size=lstm_hidden_dim,
                                num_layers=layers, batch_first=True)
        self.fc = nn.Linear(lstm_hidden_dim, vocab_len)

    def forward(self, sentence, batch_size):
        x = self.word_embedding_lookup.word_embedding(sentence).view(batch_size, -1, self.word_embedding_dim)
        out, _ = self.rnn_lstm(x)
        return self.fc(out.contiguous().view(-1, self.lstm_dim))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkpoint")
    p.add_argument("corpus", nargs="?")
    p.add_argument("--limit", type=int, default=0, help="score only the first N poems")
    a = p.parse_args()

    with safetensors.safe_open(a.checkpoint, framework="pt") as f:
        meta = f.metadata()
    vocab = meta["vocabulary"]
    rows, emb, hid, layers = (int(meta[k]) for k in ("rows", "embedding_dim", "hidden_size", "layers"))
    model = RNN_model(rows, word_embedding(rows, emb), emb, hid, layers)
    result = model.load_state_dict(safetensors.torch.load_file(a.checkpoint), strict=True)
    out = {"strict_load": "ok", "missing": list(result.missing_keys), "unexpected": list(result.unexpected_keys),
           "rows": rows, "vocabulary": len(vocab)}
    if a.corpus:
        index = {c: i for i, c in enumerate(vocab)}
        lines = [l.rstrip("\n") for l in open(a.corpus, encoding="utf-8") if l.strip()]
        if a.limit:
            lines = lines[: a.limit]
        total, count = 0.0, 0
        ce = nn.CrossEntropyLoss(reduction="sum")
        with torch.no_grad():
            for l in lines:
                ids = torch.tensor([[index["G"]] + [index[c] for c in l] + [index["E"]]])
                logits = model(ids[:, :-1], 1)
                total += ce(logits, ids[0, 1:]).item()
                count += ids.shape[1] - 1
        out.update({"poems": len(lines), "positions": count, "mean_cross_entropy": total / count,
                    "perplexity": math.exp(total / count)})
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
