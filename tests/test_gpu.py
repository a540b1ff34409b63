"""The fused cross-entropy (`cut-cross-entropy`, the `gpu` extra) gives the chunked path's loss and gradients.

On a CUDA machine with the extra installed this runs CCE's Triton kernel inside SASRec and BERT4Rec (bf16 and
float32); where only the package is installed (no GPU) it runs CCE's `torch_compile` implementation on the CPU,
which checks the wiring (the bias column, the padding, the target ids). Skipped where `cut_cross_entropy` does not
import (the CI machines: CPU only, no Triton)."""
import pytest
import torch

from recsys_nb.models.bert4rec import BERT4Rec
from recsys_nb.models.losses import cce_available, full_cross_entropy
from recsys_nb.models.sasrec import SASRec

pytestmark = pytest.mark.skipif(not cce_available(), reason='cut-cross-entropy not installed (pip install "recsys_nb[gpu]")')
DEVICES = ["cuda"] if torch.cuda.is_available() else ["cpu"]

def _grads(loss, params): return torch.autograd.grad(loss, params)

@pytest.mark.parametrize("device", DEVICES)
def test_full_cross_entropy_cce_matches_chunked(device):
    g = torch.Generator().manual_seed(0)
    h = torch.randn(300, 64, generator=g).to(device).requires_grad_()
    w = (torch.randn(5000, 64, generator=g) * 0.1).to(device).requires_grad_()
    b = (torch.randn(5000, generator=g) * 0.1).to(device).requires_grad_()
    y = torch.randint(0, 5000, (300,), generator=g).to(device)
    ref = full_cross_entropy(h, w, y, b, impl="chunked", chunk_size=64)
    got = full_cross_entropy(h, w, y, b, impl="cce")
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-4)
    for a, r in zip(_grads(got, (h, w, b)), _grads(ref, (h, w, b))): torch.testing.assert_close(a, r, rtol=1e-3, atol=1e-5)

def _same_models(cls, n_items, device, **kw):
    torch.manual_seed(0)
    a = cls(n_items, d_model=32, n_layers=1, n_heads=2, dropout=0.0, ce_impl="chunked", **kw).to(device)
    b = cls(n_items, d_model=32, n_layers=1, n_heads=2, dropout=0.0, ce_impl="cce", **kw).to(device)
    b.load_state_dict(a.state_dict())
    return a, b

@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("bf16", [False, True] if DEVICES == ["cuda"] else [False])
def test_models_cce_matches_chunked(device, bf16):
    g = torch.Generator().manual_seed(1)
    seq = torch.randint(1, 800, (16, 20), generator=g); seq[:4, :7] = 0
    tgt = torch.where(seq > 0, torch.randint(1, 800, seq.shape, generator=g), 0)
    labels = torch.where(torch.rand(seq.shape, generator=g) < 0.3, seq, 0); labels[:, -1] = seq[:, -1]
    tokens = torch.where(labels > 0, 801, seq)
    cases = [(SASRec, {"loss": "ce", "attn_dropout": 0.0}, {"inputs": seq, "targets": tgt}),
             (BERT4Rec, {"loss": "ce"}, {"tokens": tokens, "labels": labels})]
    tol = dict(rtol=2e-2, atol=2e-3) if bf16 else dict(rtol=1e-4, atol=1e-5)
    for cls, kw, batch in cases:
        a, b = _same_models(cls, 800, device, **kw)
        batch = {k: v.to(device) for k, v in batch.items()}
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            la, lb = a.loss(batch), b.loss(batch)
        torch.testing.assert_close(lb.float(), la.float(), **tol)
        ga, gb = _grads(la, list(a.parameters())), _grads(lb, list(b.parameters()))
        for (name, _), x, y in zip(a.named_parameters(), ga, gb):
            where = f"{cls.__name__}.{name}"
            torch.testing.assert_close(y, x, **tol, msg=lambda m, where=where: f"{where}: {m}")
