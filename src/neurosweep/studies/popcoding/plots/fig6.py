"""Fig. 6: train (dashed) and test (solid) distortion vs R for each training-set size, and the
test − train gap."""
from .common import dr_panel, grid_of


def draw(data):
    fig, (a, b) = grid_of(2, per_row=2)
    for group in data["groups"]:
        p = f"{group}/"
        line = a.plot(data[p + "R"], data[p + "test_D"], "o-", ms=3, label=f"n = {group}, test")[0]
        a.plot(data[p + "R"], data[p + "train_D"], "o--", ms=3, color=line.get_color(), label=f"n = {group}, train")
        b.plot(data[p + "rates"], data[p + "test_D"] - data[p + "train_D"], "o-", ms=3, label=f"n = {group}")
    dr_panel(a, {**{k: v for k, v in data.items()}, "R": data[f"{data['groups'][0]}/R"],
                 "D": data[f"{data['groups'][0]}/D"], "D_sd": 0 * data[f"{data['groups'][0]}/D"],
                 "entropy": data[f"{data['groups'][0]}/entropy"]}, label="population D")
    a.legend(fontsize=6)
    b.set_xlabel("target rate R* (nats)"); b.set_ylabel("D_test − D_train (nats)"); b.set_yscale("symlog"); b.legend()
    return fig
