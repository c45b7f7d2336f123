"""RESP wire format: the sans-IO request parser and the reply encoder (the only RESP2/RESP3 switch)."""
