"""The pure domain core: no HTTP here. Every time comes from the clock, every chance from
a seeded RNG, every piece of state from the store."""
