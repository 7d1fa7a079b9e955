"""The fault suite (`make faults`, or `python -m tests.faults`): experiments against a live
stack, each a burst of comments with one fault injected at random instants, measured by what
the stack's own tables, log and mail sink say afterwards."""
