"""`make bench`: the fake side by side with WireMock, Prism and Mockoon (see README.md)."""
