"""PyTorch peer of vidi-bench-training: the same models, data and training step, on the CPU.

Reads the feature set the Swift side wrote (features.f32, labels.i32, swift.json for sizes and
hyperparameters) and times training epochs the same way: minibatches of 32 reshuffled every
epoch, Adam (lr 1e-3, eps 1e-7 as Keras), global-norm clipping where the Swift model clips,
features standardised once up front, median of the epochs after the first.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn


class SeedGRU(nn.Module):
    """GRU(16, sequences) -> GRU(8) -> Dropout(0.4) -> Dense(8, ReLU) -> Dense(classes)."""

    def __init__(self, dim, classes):
        super().__init__()
        self.gru1 = nn.GRU(dim, 16, batch_first=True)
        self.gru2 = nn.GRU(16, 8, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(0.4), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, classes))

    def forward(self, x):
        x, _ = self.gru1(x)
        _, h = self.gru2(x)
        return self.head(h[-1])


class GRUClassifier(nn.Module):
    """Dropout -> GRU(hidden) x layers -> Dropout -> Dense(classes), as Vidi's `gru`."""

    def __init__(self, dim, classes, hidden, layers, dropout, input_dropout, bidirectional):
        super().__init__()
        self.input_dropout = nn.Dropout(input_dropout)
        self.gru = nn.GRU(dim, hidden, num_layers=layers, batch_first=True,
                          dropout=dropout if layers > 1 else 0.0, bidirectional=bidirectional)
        width = hidden * (2 if bidirectional else 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(width, classes))
        self.bidirectional = bidirectional

    def forward(self, x):
        _, h = self.gru(self.input_dropout(x))
        last = torch.cat([h[-2], h[-1]], dim=1) if self.bidirectional else h[-1]
        return self.head(last)


def main(folder):
    folder = Path(folder)
    spec = json.loads((folder / "swift.json").read_text())
    torch.set_num_threads(spec["threads"])
    shape = (spec["clips"], spec["steps"], spec["dimension"])
    x = np.fromfile(folder / "features.f32", dtype="<f4").reshape(shape)
    y = np.fromfile(folder / "labels.i32", dtype="<i4").astype(np.int64)
    mean = x.reshape(-1, shape[2]).mean(0)
    std = x.reshape(-1, shape[2]).std(0)
    x = torch.from_numpy((x - mean) / np.where(std > 1e-6, std, 1)).float()
    y = torch.from_numpy(y)
    results = []
    for entry in spec["results"]:
        torch.manual_seed(1)
        if entry["model"] == "seed-gru":
            model = SeedGRU(shape[2], spec["classes"])
        else:
            model = GRUClassifier(shape[2], spec["classes"], entry["hidden"], entry["layers"],
                                  entry["dropout"], entry["input_dropout"],
                                  entry["bidirectional"])
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = nn.CrossEntropyLoss()
        batch = entry["batch_size"]
        seconds = []
        generator = torch.Generator().manual_seed(1)
        for _ in range(spec["epochs"]):
            start = time.perf_counter()
            model.train()
            order = torch.randperm(shape[0], generator=generator)
            total = 0.0
            for i in range(0, shape[0], batch):
                idx = order[i:i + batch]
                optimizer.zero_grad()
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                if entry["clip_norm"]:
                    nn.utils.clip_grad_norm_(model.parameters(), entry["clip_norm"])
                optimizer.step()
                total += loss.item() * len(idx)
            seconds.append(time.perf_counter() - start)
        timed = sorted(seconds[1:])
        median = timed[len(timed) // 2]
        results.append({"model": entry["model"], "seconds_per_epoch": median,
                        "final_loss": total / shape[0]})
        print(f"torch {entry['model']}: {median:.3f} s/epoch", file=sys.stderr)
    (folder / "torch.json").write_text(json.dumps(
        {"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results},
        indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
