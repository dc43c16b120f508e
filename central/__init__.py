"""The reference central server: implements ../shared/contract.md for tests, demo and training."""
