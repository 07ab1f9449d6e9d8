"""k8snetlint: a static linter and connectivity analyzer for Kubernetes manifests."""

__version__ = "0.1.0"
