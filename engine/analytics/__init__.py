"""Generic process analytics over the engine's event log (knows nothing of the CRM).

The event log is rolled up incrementally (``rollup.refresh_facts``, a periodic job) into small indexed tables,
and the same rollup keeps per-day summaries with log-scale duration histograms (``summary_rollup``), also split
by the instances' people set and the steps' assignee per day, week and month (``periods``), that answer
whole-day filters with or without a department/assignee filter (``summary_figures``). The figures read those:
instance durations and series (``efficiency``), per-step heat map figures and bottlenecks (``steps``), branch analysis
(``branches``), outliers (``outliers``). ``sla_clock`` holds the business-time SLA arithmetic with pauses shared
with the CRM's appeal SLA.
"""
