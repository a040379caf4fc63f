"""Demos of training from many starts: XOR rescued by restarts, and the mirror-symmetry network."""

from __future__ import annotations

import numpy as np

from ._report import _Report, _classified, _draw, _uniform_net  # noqa: F401


# -- xor -----------------------------------------------------------------------------------------------
def _xor(r: _Report, seed: int, quick: bool) -> None:
    from ...io import datasets  # noqa: PLC0415
    from ...training import train  # noqa: PLC0415

    R, epochs, eta = (30, 1000, 0.5) if quick else (100, 2000, 0.5)
    ds = datasets.load("xor")
    X, y = ds.X, ds.y.astype(np.float64)
    r.title("XOR: random restarts rescue the runs that get stuck")
    r.quote("III.III", "The practical solution is simply to run the entire backpropagation algorithm a bunch "
                       "of times, say 1000 times, starting from different initial weights.")
    r.para(f"A 2-2-1 network of logistic neurons learns XOR by the seed's backpropagation: squared loss, "
           f"one example at a time, a constant step size {eta} (as in the experiments behind the figure "
           f"below), {epochs} epochs. {R} restarts train at once, each "
           "from initial weights drawn uniformly from [−1, 1]. A restart is stuck when, after training, "
           "some of the four outputs is on the wrong side of 0.5.")
    rng = np.random.default_rng(seed)
    net = _uniform_net([2, 2, 1], 1.0, rng)
    res = train(net, X, y, loss="squared", optimizer="sgd", step_size=eta, schedule="constant", epochs=epochs,
                batch_size=1, restarts=R, seed=seed, init="uniform", init_scale=1.0, engine="matrix")
    solved = np.array([res.status[k] != "diverged" and _classified(res.network_at(k), X, y) for k in range(R)])
    stuck = int((~solved).sum())
    stuck_losses = res.losses[~solved]
    r.table([f"restarts that solved XOR       {int(solved.sum()):>4} of {R}",
             f"restarts stuck                 {stuck:>4} of {R}  ({stuck / R:.0%})"
             + (f", their loss {np.min(stuck_losses):.3f} to {np.max(stuck_losses):.3f}" if stuck else "")])
    r.para("The literature reports about 15% of such starts failing to converge (initial weights in ±1): "
           "plain gradient descent ends in a local minimum or a flat region where one pattern is wrong.")
    best = res.network
    yhat = best.forward(X)[:, 0]
    ok = _classified(best, X, y)
    r.para(f"The best restart (#{res.best}, loss {res.losses[res.best]:.2g}) "
           + ("solves XOR:" if ok else "does not solve XOR either; try more epochs or restarts:"))
    r.table([" x1  x2   x1 XOR x2   network output"]
            + [f"{int(a):>3} {int(b):>3}   {int(t):>8}   {v:>14.3f}" for (a, b), t, v in zip(X, y, yhat)])
    r.picture("xor_network.png", lambda: _draw().draw(best, title="XOR, the best restart"))
    r.picture("xor_loss.png", lambda: _draw().loss_curves(res, title=f"XOR: {R} restarts"))
    r.picture("xor_boundary.png", lambda: _draw().decision_boundary(best, X, ds.y, title="XOR, the best restart"))


# -- symmetry ------------------------------------------------------------------------------------------
def _symmetry(r: _Report, seed: int, quick: bool) -> None:
    from ...io import datasets  # noqa: PLC0415
    from ...training import train  # noqa: PLC0415

    R, epochs = (6, 3000) if quick else (12, 5000)
    ds = datasets.load("symmetry")
    X, y = ds.X, ds.y.astype(np.float64)                               # (64, 6), (64,)
    target = 0.01
    r.title("Mirror symmetry: Rumelhart, Hinton & Williams (1986)")
    r.para("Is a string of 6 bits a palindrome? Rumelhart, Hinton & Williams trained a 6-2-1 logistic "
           "network on all 64 patterns, full batch, step 0.1, momentum 0.9, initial weights uniform in ±0.3, "
           "and reported that it learned in about 1,425 sweeps, with the two hidden units' weights mirror "
           "images of each other with opposite signs, in the ratio 1:2:4.")
    r.para("Their error was ½·Σ over the 64 patterns of (y − ŷ)²; neuronet's squared loss is the mean of "
           "(y − ŷ)², 32 times smaller, so their step 0.1 is step_size 3.2 here: the same updates. "
           f"{R} restarts, up to {epochs} sweeps; a restart has learned when the mean of (y − ŷ)² is "
           f"below {target}.")
    rng = np.random.default_rng(seed)
    net = _uniform_net([6, 2, 1], 0.3, rng)
    res = train(net, X, y, loss="squared", optimizer="sgd", step_size=3.2, momentum=0.9, epochs=epochs,
                batch_size=None, restarts=R, seed=seed, init="uniform", init_scale=0.3, target_loss=target,
                engine="matrix")
    done = [k for k in range(R) if res.status[k] == "converged" and _classified(res.network_at(k), X, y)]
    r.quote("III.III", "It could be that now our weights are locally optimal – any small change will make the "
                       "network perform worse – but if we changed them far enough, we could still improve its "
                       "performance.")
    if not done:
        r.para(f"None of the {R} restarts learned the task within {epochs} sweeps (each is stuck or slow); "
               "run with more restarts.")
        return
    sweeps = sorted(int(res.epochs_run[k]) for k in done)
    r.table([f"restarts that learned the task   {len(done)} of {R}",
             f"sweeps they needed               {', '.join(map(str, sweeps))}",
             f"median                           {int(np.median(sweeps))}   (Rumelhart et al.: about 1,425)"])
    def mirror(net):
        """(weights table rows, max |w_i + w_(7−i)|, the mirror pairs' magnitudes as 1 : a : b)."""
        w = net.weights
        inputs, hidden = net.layers[0][:6], [j for j in net.layers[1] if j not in net.biases]
        bias_in = net.layers[0][6]
        rows = ["weights into   " + " ".join(f"{f'from x{i + 1}':>7}" for i in range(6)) + "     bias"]
        ratios, anti = [], 0.0
        for h in hidden:
            v = np.array([w[(i, h)] for i in inputs])                  # (6,)
            rows.append(f"{f'neuron {h}':<14} " + " ".join(f"{x:>7.2f}" for x in v) + f"  {w[(bias_in, h)]:>7.2f}")
            anti = max(anti, float(np.max(np.abs(v + v[::-1]))))
            pairs = np.array([(abs(v[i]) + abs(v[5 - i])) / 2 for i in range(3)])   # (x1,x6) (x2,x5) (x3,x4)
            ratios.append(np.sort(pairs) / np.min(pairs))
        return rows, anti, np.mean(ratios, axis=0)

    found = {d: mirror(res.network_at(d)) for d in done}
    paper = [d for d in done if abs(found[d][2][1] / 2 - 1) < 0.15 and abs(found[d][2][2] / 4 - 1) < 0.15]
    r.table([f"restart {d:>3}  {int(res.epochs_run[d]):>5} sweeps  mirror pairs 1 : {found[d][2][1]:.2f} : "
             f"{found[d][2][2]:.2f}" + ("  = the paper's" if d in paper else "") for d in done])
    r.para(f"{len(paper)} of the {len(done)} restarts that learned found the paper's solution, 1:2:4; the others "
           "found another one (the network can solve the task more than one way).")
    k = min(paper or done, key=lambda d: res.epochs_run[d])
    best = res.network_at(k)
    rows, anti, ratio = found[k]
    r.para(f"The weights of the fastest restart with {'the paper' if paper else 'a'}'s solution (#{k}, "
           f"{int(res.epochs_run[k])} sweeps):")
    r.table(rows)
    r.para(f"Mirror antisymmetry: the weight from x_i is minus the weight from x_(7−i), to within {anti:.2g}, "
           "so a palindrome sends 0 from the inputs to each hidden unit. The three mirror pairs' "
           f"magnitudes stand in the ratio 1 : {ratio[1]:.2f} : {ratio[2]:.2f} (the paper: 1:2:4), so no "
           "other pattern sums to 0: of the mirror pairs that differ, the one with the largest weight "
           "outweighs the others together (4 > 2 + 1) and decides the sign.")
    r.picture("symmetry_network.png", lambda: _draw().draw(best, title="mirror symmetry, 6-2-1"))
    r.picture("symmetry_loss.png", lambda: _draw().loss_curves(res, title=f"mirror symmetry: {R} restarts"))


