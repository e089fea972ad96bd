"""The BPM engine on SpiffWorkflow (knows nothing of the CRM).

Importing it makes SpiffWorkflow's joins pass on each branch's own changes (``engine.join_data``).
"""

from engine import join_data as _join_data

_join_data.install()
