"""Writes the initial weights of the PyTorch reference trainer (torch_poem_reference.py) for a
given seed as a workbench checkpoint, so `workbench poem train --init-from` can start from
exactly the weights PyTorch starts from.

The model is built with the same calls in the same order as the reference script (so the
same seed draws the same numbers) and saved under the homework's state_dict names, with the
metadata (vocabulary, sizes) of a workbench checkpoint of the same corpus.

usage:
  workbench poem train --corpus C --steps 0 --out init        # any workbench checkpoint of C
  python scripts/export_torch_init.py init/poem.safetensors torch_init.safetensors --seed 0
  workbench poem train --corpus C --init-from torch_init.safetensors --out from_torch
needs: torch, safetensors, numpy
"""
import argparse
import random

import numpy as np
import safetensors
import safetensors.torch
import torch
import torch.nn as nn


def main():
    p = argparse.ArgumentParser()
    p.add_argument("like", help="a workbench checkpoint of the same corpus (for the vocabulary)")
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    with safetensors.safe_open(a.like, framework="pt") as f:
        meta = f.metadata()
    rows = int(meta["rows"])
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    random.seed(a.seed)

    class Model(nn.Module):  # the reference script's model, built in the same order
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(rows, 100)
            self.emb.weight.data.uniform_(-1, 1)
            self.lstm = nn.LSTM(100, 128, num_layers=2, batch_first=True)
            self.fc = nn.Linear(128, rows)
            nn.init.xavier_uniform_(self.fc.weight)

    state = {}
    for name, value in Model().state_dict().items():
        name = name.replace("emb.weight", "word_embedding_lookup.word_embedding.weight").replace("lstm.", "rnn_lstm.")
        state[name] = value.float().contiguous()
    safetensors.torch.save_file(state, a.out, metadata=meta)
    print(f"wrote {a.out}: {len(state)} tensors, PyTorch seed {a.seed}")


if __name__ == "__main__":
    main()
