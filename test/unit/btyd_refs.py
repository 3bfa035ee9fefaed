#!/usr/bin/python3
"""Regenerates btyd_refs.h: reference values of the BG/NBD alive-customer
expectation from the closed form with mpmath at 60 digits."""
import mpmath as mp, itertools
mp.mp.dps = 60
cases = []
params = [(0.2426, 4.414, 0.793, 2.426), (0.01, 4.4, 0.05, 0.2), (3, 20, 4, 30), (0.5, 1.5, 40, 60), (1.2, 0.3, 0.999, 0.7), (0.24, 30, 1.3, 2.0)]
for (r, al, a, b) in params:
    for x in (0, 1, 7, 300):
        for T, t in ((20, 0.5), (20, 10), (30, 200), (5, 5000), (0, 1e9), (80, 1e15)):
            cases.append((r, al, a, b, x, T, t))
out = []
for (r, al, a, b, x, T, t) in cases:
    R, AL, A, B, X, TT, t_ = [mp.mpf(v) for v in (r, al, a, b, x, T, t)]
    z = t_ / (AL + TT + t_)
    G = (1 - z) ** (R + X) * mp.hyp2f1(R + X, B + X, A + B + X - 1, z)
    e = (A + B + X - 1) / (A - 1) * (1 - G)
    out.append("\t{%r, %r, %r, %r, %r, %r, %r, %s}," % (r, al, a, b, float(x), float(T), float(t), mp.nstr(e, 20)))
open('/work/wt/btyd/test/unit/btyd_refs.h', 'w').write(
    "/* E[purchases in t | alive] = (a+b+x-1)/(a-1) (1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)),\n"
    " * z = t/(alpha+T+t), evaluated with mpmath at 60 digits (test/unit/btyd_refs.py).\n"
    " * Fields: r, alpha, a, b, x, T, t, value. */\n" + "\n".join(out) + "\n")
print(len(out))
