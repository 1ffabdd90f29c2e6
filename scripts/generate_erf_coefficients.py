"""Coefficients of the vector erf in Sources/CTorchKernels/Transcendental.h (ctk_erf4_double).

erf is evaluated in double precision in two pieces and rounded to float once:
  |u| < 1:      erf(u) = u * P(u^2), P of degree 7 fitted to erf(u)/u on u^2 in [0, 1];
  1 <= |u| < 4: erf(u) = sign(u) * (1 - exp(-u^2) * Q(w)), w = (2|u| - 5) / 3 in [-1, 1], Q of
                degree 14 fitted to erfc(|u|) * exp(u^2) (the scaled complement, smooth there);
  |u| >= 4:     erf(u) = sign(u) (erfc(4) = 1.5e-8 is below half a float ulp of 1).
Each fit is a least-squares Chebyshev fit on 4000 Chebyshev nodes (close to minimax), printed as
C hex doubles, highest degree first (Horner order), with the largest relative error on a fine
grid. Usage: python3 scripts/generate_erf_coefficients.py  (needs numpy)
"""
import math

import numpy as np
from numpy.polynomial import chebyshev, polynomial


def fit(f, a, b, degree, nodes=4000):
    k = np.arange(nodes)
    xs = (a + b) / 2 + (b - a) / 2 * np.cos(np.pi * (k + 0.5) / nodes)
    mapped = (2 * xs - (a + b)) / (b - a)
    coefficients = polynomial.Polynomial(chebyshev.cheb2poly(chebyshev.chebfit(mapped, [f(x) for x in xs], degree))).coef
    grid = np.linspace(a, b, 40001)
    approx = polynomial.polyval((2 * grid - (a + b)) / (b - a), coefficients)
    error = max(abs(p / f(x) - 1) for p, x in zip(approx, grid))
    return coefficients, error


def small(t):
    return 2 / math.sqrt(math.pi) if t == 0 else math.erf(math.sqrt(t)) / math.sqrt(t)


def scaled_complement(x):
    return math.erfc(x) * math.exp(x * x)


# P in t = u^2 on [0, 1]: the mapped variable is 2t - 1, so re-expand in t itself.
p_mapped, p_error = fit(small, 0.0, 1.0, 7)
p_in_t = polynomial.Polynomial(p_mapped)(polynomial.Polynomial([-1.0, 2.0])).coef
q, q_error = fit(scaled_complement, 1.0, 4.0, 14)


def c_array(name, coefficients, comment):
    values = ", ".join(float(c).hex() for c in reversed(coefficients))
    return f"// {comment}\nstatic const double {name}[{len(coefficients)}] = {{{values}}};"


print(c_array("ctk_erf_small", p_in_t, f"erf(u)/u in u^2 on [0, 1], degree 7: relative error {p_error:.1e}"))
print(c_array("ctk_erf_large", q, f"erfc(a)·exp(a^2) in w = (2a - 5)/3 on a in [1, 4], degree 14: relative error {q_error:.1e}"))
