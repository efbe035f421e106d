"""Where lucidnet stops: Keras names it leaves out on purpose, and the error they give.

lucidnet teaches multilayer perceptrons; convolutions, recurrent layers, embeddings and
TensorFlow's input pipelines are out of its scope. Asking a facade module for one of
them (``keras.layers.Conv2D``) raises :class:`~lucidnet.errors.NotSupportedError` that
says so, instead of an AttributeError that looks like a typo; a name Keras does not
have stays an AttributeError.
"""

from __future__ import annotations

from lucidnet.errors import NotSupportedError

_CONV = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
         "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
         "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
         "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
         "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
         "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D", "UpSampling1D", "UpSampling2D",
         "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D", "SpatialDropout1D",
         "SpatialDropout2D", "ConvLSTM1D", "ConvLSTM2D"]
_RECURRENT = ["LSTM", "GRU", "SimpleRNN", "RNN", "LSTMCell", "GRUCell", "SimpleRNNCell",
              "StackedRNNCells", "Bidirectional", "TimeDistributed"]
_SEQUENCE = ["Embedding", "TextVectorization", "StringLookup", "IntegerLookup", "Hashing",
             "CategoryEncoding", "Attention", "AdditiveAttention", "MultiHeadAttention",
             "GroupQueryAttention"]
_IMAGES = ["Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
           "RandomCrop", "RandomTranslation", "RandomContrast", "RandomBrightness"]

_SCOPE = ("are outside lucidnet, which teaches multilayer perceptrons (Dense, activations, "
          "Dropout, BatchNormalization, merge layers) on NumPy")
LAYERS = {**{n: f"convolutional and pooling layers {_SCOPE}" for n in _CONV},
          **{n: f"recurrent layers {_SCOPE}" for n in _RECURRENT},
          **{n: f"embeddings, text and attention layers {_SCOPE}" for n in _SEQUENCE},
          **{n: f"image preprocessing layers {_SCOPE}" for n in _IMAGES}}
UTILS = {n: "tf.data input pipelines and image or text files are outside lucidnet; give "
            "fit NumPy arrays, or a keras.utils.PyDataset" for n in (
    "image_dataset_from_directory", "text_dataset_from_directory", "audio_dataset_from_directory",
    "timeseries_dataset_from_array", "load_img", "img_to_array", "array_to_img", "pad_sequences")}
UTILS["plot_model"] = ("drawing the graph needs pydot and graphviz, which lucidnet does not "
                       "use; model.summary() prints the layers and what each is connected to")
DATASETS = {**{n: f"its 32x32 colour images call for convolutions, and convolutions {_SCOPE}"
               for n in ("cifar10", "cifar100")},
            "california_housing": "lucidnet's Keras loaders are mnist, fashion_mnist, reuters, "
                                  "imdb and boston_housing (and lucidnet.datasets.load's sets)"}
KERAS = {n: f"pretrained convolutional networks and TensorFlow's preprocessing {_SCOPE}"
         for n in ("applications", "preprocessing")}


def refuse(module: str, known: dict):
    """A module ``__getattr__`` that names the feature lucidnet leaves out."""

    def __getattr__(name: str):
        if name in known:
            raise NotSupportedError(f"not supported by lucidnet: {module}.{name}: {known[name]}")
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
