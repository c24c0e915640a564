"""Generate PyTorch Lightning projects from a Copier template and keep them up to date."""
