"""The chat core: what a person's message asks for, and answers that need no LLM."""
