"""Running the product: building the spaCy pipeline, training, starting and stopping servers."""
