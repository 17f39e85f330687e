"""aecourse: the helper package of the executable book on autoencoders and VAEs.

Small modules with one purpose each:

- :mod:`aecourse.runtime`   seeds, device choice and the CPU thread policy
- :mod:`aecourse.data`      offline data sets (two-moons, 8x8 digits, 5,000 MNIST
  digits) and full MNIST / Fashion-MNIST on request
- :mod:`aecourse.models`    MLP autoencoders
- :mod:`aecourse.losses`    pure loss functions, one value per example
- :mod:`aecourse.training`  one ``fit`` loop for every model in the book
- :mod:`aecourse.plotting`  figures with labelled axes
- :mod:`aecourse.exercises` self-checking exercises, one module per chapter
"""

__version__ = "0.1.0"
