"""How each kind of node is drawn: the one table that the HTML views, their legends and the static
pictures all read, so a legend can never show a colour the drawing does not use."""
from __future__ import annotations

STYLE = {  # type -> (colour, vis-network shape)
    "paper": ("#9e9e9e", "dot"),
    "method": ("#1f77b4", "diamond"),
    "dataset": ("#2ca02c", "square"),
    "modality": ("#d62728", "star"),
    "metric": ("#9467bd", "triangle"),
    "task": ("#ff7f0e", "triangleDown"),
}
UNKNOWN = ("#777777", "dot")
SYMBOL = {"dot": "●", "diamond": "◆", "square": "■", "star": "★", "triangle": "▲", "triangleDown": "▼"}
# Halo colours of communities in the field map, translucent and apart from the type colours above;
# communities beyond the palette (the smallest ones) get none.
COMMUNITY_RINGS = ("rgba(23,190,207,0.7)", "rgba(227,119,194,0.7)", "rgba(188,189,34,0.75)", "rgba(140,86,75,0.6)",
                   "rgba(127,127,127,0.6)", "rgba(255,187,120,0.85)", "rgba(152,223,138,0.85)", "rgba(174,199,232,0.9)")


def style_of(node_type: str) -> tuple[str, str]:
    """(colour, shape) of a node type."""
    return STYLE.get(node_type, UNKNOWN)


def vis_node_style(node_type: str, ring: str | None = None) -> dict:
    """The vis-network options that draw a node of this type: its fill colour (also when selected or
    hovered, so selection never repaints it in another type's colour), its shape and its ring."""
    colour, shape = style_of(node_type)
    style = {
        "shape": shape,
        "color": {
            "background": colour,
            "border": colour,
            "highlight": {"background": colour, "border": "#000000"},
            "hover": {"background": colour, "border": "#000000"},
        },
        "borderWidth": 1,
        "borderWidthSelected": 3,
    }
    if ring:  # a halo behind the node: the community shows without hiding the type's colour
        style["shadow"] = {"enabled": True, "color": ring, "size": 24, "x": 0, "y": 0}
    return style


def vis_groups() -> dict:
    """vis-network `groups` options from STYLE: a node that names its type as its group is drawn in
    the type's colour even where no per-node colour is set (vis-network otherwise uses its own
    palette for groups)."""
    return {t: vis_node_style(t) for t in STYLE}
