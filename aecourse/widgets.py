"""Interactive figures (ipywidgets): the only module that imports ``ipywidgets``.

Each widget needs a live kernel; the book's static pages show the matching figure of
:mod:`aecourse.plotting` instead (:func:`aecourse.plotting.plot_latent_traversal`
for the latent explorer, :func:`aecourse.plotting.plot_denoising` for the σ slider).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from aecourse._validate import (
    check_image_shape,
    check_latent_dims,
    check_positive_number,
    check_same_shape,
    check_tensor,
)
from aecourse.models import VAE, check_vae
from aecourse.plotting import denoise_rows, image_grid


def _png(image: np.ndarray, zoom: int = 5) -> bytes:
    image = np.kron(np.clip(image, 0.0, 1.0), np.ones((zoom, zoom)))  # nearest-neighbour zoom
    buffer = io.BytesIO()
    plt.imsave(buffer, image, cmap="gray", vmin=0.0, vmax=1.0, format="png")
    return buffer.getvalue()


def latent_explorer(
    model: VAE,
    image_shape: tuple[int, int],
    dims: Sequence[int] | None = None,
    limit: float = 3.0,
    z0: torch.Tensor | None = None,
):
    """Sliders for latent coordinates and the decoded image, updated live (Jupyter).

    ``dims`` chooses which coordinates get a slider (default: all of them, at
    most 10); the others stay at ``z0`` (default 0). Returns an ipywidgets box.
    """
    import ipywidgets as widgets

    check_vae(model)
    check_positive_number("limit", limit)
    check_image_shape(image_shape, model.data_dim, "model.data_dim")
    if z0 is not None:
        check_tensor("z0", z0, ndim=1, last_dim=model.latent_dim)
    device = next(model.parameters()).device
    if dims is None:
        dims = range(min(model.latent_dim, 10))
    dims = check_latent_dims(dims, model.latent_dim)
    z = torch.zeros(model.latent_dim) if z0 is None else z0.detach().cpu().float().clone()
    sliders = [
        widgets.FloatSlider(
            value=float(z[d]), min=-limit, max=limit, step=0.05, description=f"z{d + 1}"
        )
        for d in dims
    ]
    image = widgets.Image(format="png", width=image_shape[1] * 5, height=image_shape[0] * 5)

    @torch.no_grad()
    def update(_change=None):
        for d, slider in zip(dims, sliders):
            z[d] = slider.value
        x_mean = model.decode_mean(z[None].to(device))[0].cpu().numpy()  # (D,)
        image.value = _png(x_mean.reshape(image_shape))

    for slider in sliders:
        slider.observe(update, names="value")
    update()
    return widgets.HBox([widgets.VBox(sliders), image])


def denoising_slider(
    model: nn.Module,
    x: torch.Tensor,
    eps: torch.Tensor,
    image_shape: tuple[int, int],
    sigma_max: float = 1.0,
    step: float = 0.05,
    value: float = 0.5,
):
    """An ipywidgets slider for sigma that redraws clean / noisy / denoised images.

    Returns an ``ipywidgets.interactive`` (display it as a cell's last value). It
    needs a live kernel; the book's static page shows :func:`plot_denoising` instead.
    """
    import ipywidgets as widgets

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    check_tensor("x", x, ndim=2)
    check_tensor("eps", eps, ndim=2)
    check_same_shape("x", x, "eps", eps)
    if getattr(model, "data_dim", x.shape[1]) != x.shape[1]:
        raise ValueError(
            f"model has data_dim {model.data_dim}, but x has width {x.shape[1]}: pass the model "
            f"trained on data like x"
        )
    check_image_shape(image_shape, x.shape[1], "the width of x")
    sigma_max = check_positive_number("sigma_max", sigma_max)
    check_positive_number("step", step)
    if check_positive_number("value", value, allow_zero=True) > sigma_max:
        raise ValueError(f"value must be <= sigma_max = {sigma_max:g}, got {value}")

    def draw(sigma: float) -> None:
        rows, labels = denoise_rows(model, x, [sigma], eps)
        image_grid(rows, image_shape, labels, xlabel="test image", scale=0.9)
        plt.show()

    slider = widgets.FloatSlider(
        value=value, min=0.0, max=sigma_max, step=step, description="σ", continuous_update=False
    )
    return widgets.interactive(draw, sigma=slider)
