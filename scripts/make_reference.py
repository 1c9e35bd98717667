#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for the LSTM tests (Tests/RecurrentTests/Fixtures).

Each fixture is one float64 forward and backward pass of
    nn.LSTM(D, H, num_layers=L, batch_first=True) -> nn.Linear(H, V) -> CrossEntropyLoss()
(mean over all B*T positions), with the weights, inputs, initial state (h0, c0), targets,
outputs, loss and every gradient (all parameters, fc.weight, fc.bias, h0, c0, the input)
as computed by PyTorch. Nothing in a fixture is computed by the workbench.

Tensor layout: {"shape": [...], "data": [row-major values]}; PyTorch's own shapes
(biases (4H), h0/c0 (L, B, H), input (B, T, D), targets (B, T)).

Run (needs torch; not part of the test suite):
    python3 scripts/make_reference.py [--out Tests/RecurrentTests/Fixtures]
"""
import argparse
import json
import os

import torch

FORMAT_VERSION = 1
SEED = 20261123
D, H, V, B = 3, 4, 5, 2


def tensor(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


def make(layers, steps, nonzero, seed):
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(D, H, num_layers=layers, batch_first=True).double()
    fc = torch.nn.Linear(H, V).double()
    x = torch.randn(B, steps, D, dtype=torch.float64, requires_grad=True)
    if nonzero:
        h0 = (torch.rand(layers, B, H, dtype=torch.float64) * 2 - 1).requires_grad_()
        c0 = (torch.rand(layers, B, H, dtype=torch.float64) * 2 - 1).requires_grad_()
    else:
        h0 = torch.zeros(layers, B, H, dtype=torch.float64, requires_grad=True)
        c0 = torch.zeros(layers, B, H, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, V, (B, steps))
    output, (h_n, c_n) = lstm(x, (h0, c0))
    logits = fc(output)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    loss.backward()

    params = {name: p for name, p in lstm.named_parameters()}
    params["fc.weight"] = fc.weight
    params["fc.bias"] = fc.bias
    grads = {name: tensor(p.grad) for name, p in params.items()}
    grads["h0"] = tensor(h0.grad)
    grads["c0"] = tensor(c0.grad)
    grads["input"] = tensor(x.grad)
    return {
        "format": FORMAT_VERSION,
        "generator": "scripts/make_reference.py",
        "torch": torch.__version__,
        "seed": seed,
        "config": {"input_size": D, "hidden_size": H, "num_layers": layers, "outputs": V,
                   "batch": B, "steps": steps, "nonzero_initial": nonzero},
        "parameters": {name: tensor(p) for name, p in params.items()},
        "input": tensor(x),
        "h0": tensor(h0),
        "c0": tensor(c0),
        "targets": {"shape": list(targets.shape), "data": [int(v) for v in targets.reshape(-1).tolist()]},
        "output": tensor(output),
        "h_n": tensor(h_n),
        "c_n": tensor(c_n),
        "loss": float(loss.item()),
        "gradients": grads,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "Tests", "RecurrentTests", "Fixtures"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    n = 0
    for layers in (1, 2):
        for steps in (1, 5, 20):
            for nonzero in (False, True):
                n += 1
                fixture = make(layers, steps, nonzero, SEED + n)
                name = f"lstm_l{layers}_t{steps}_{'h0rand' if nonzero else 'h0zero'}.json"
                path = os.path.join(args.out, name)
                tmp = path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(fixture, f, separators=(",", ":"))
                    f.write("\n")
                os.replace(tmp, path)
                print(f"{name}: loss {fixture['loss']:.6f}, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
