"""One module per concern. Resources get collaborators in __init__ and keep no request state."""
