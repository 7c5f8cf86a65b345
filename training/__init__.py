"""Training the reference U-GAT-IT model (imported as ``ugatit_deploy.training``)."""
