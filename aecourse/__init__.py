"""aecourse: the helper package of the executable book on autoencoders and VAEs.

One module per concept; a chapter imports from several. Each name has one home:

- :mod:`aecourse.runtime`      seeds, device choice and the CPU thread policy
- :mod:`aecourse.data`         Dataset and the loaders (two-moons, circle, 8x8 digits, MNIST),
  the IDX reader, corruption noise
- :mod:`aecourse.gaussian`     LOG_2PI, reparameterized samples, diagonal-Gaussian log-densities, KLs
- :mod:`aecourse.losses`       per-example loss terms: squared error, likelihoods, ELBO, penalties
- :mod:`aecourse.objectives`   ``loss_fn`` factories for ``fit`` (sparse, denoising, contractive, VAE,
  conditional VAE, KL warm-up and free bits, IWAE)
- :mod:`aecourse.estimators`   log-mean-exp, ESS, importance weights, IWAE bound, naive Monte Carlo
- :mod:`aecourse.gradients`    pathwise and score-function gradient estimators, finite differences
- :mod:`aecourse.models`       mlp, Autoencoder, TiedAutoencoder, ConvAutoencoder, VAE, VAEOutput,
  VAEConfig, LinearVAE, LearnedVarianceVAE, ConditionalVAE, ConvVAE, count_parameters
- :mod:`aecourse.lvm`          the exact linear-Gaussian latent variable model (closed forms only)
- :mod:`aecourse.pca`          principal component analysis with ``torch.linalg.svd``
- :mod:`aecourse.diagnostics`  KL per dimension, active units, latent grids, interpolation, Jacobians
- :mod:`aecourse.training`     one ``fit`` loop and ``evaluate`` for every model, History
- :mod:`aecourse.plotting`     every figure, one image-tiling helper
- :mod:`aecourse.widgets`      interactive figures (the only ipywidgets import)
- :mod:`aecourse.verdicts`     agreement stated as a verdict against a tolerance
- :mod:`aecourse.exercises`    self-checking exercises, one module per notebook
- ``aecourse._validate``       argument checks, used where data enter the public API

``aecourse.tools`` (executing notebooks, the student edition, the nbval tolerance
plugin, the benchmark, the repository URL) is for working on the book from its
repository; it is not part of the installed package.
"""

__version__ = "0.1.0"
