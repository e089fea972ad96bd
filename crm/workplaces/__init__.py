"""Read models and small services behind the employees' workplaces: My tasks, My sales, Support.

- ``tasks``: the filtered, paged "My tasks" list with client/subject labels;
- ``history``: a process instance's steps (who/when/variant) and diagram highlights;
- ``sales``: the pipeline board, the interests table and moving a deal where the route map allows;
- ``support``: ticket SLA countdowns, the queue in order and "take next";
- ``pickers``: the client/contact picker of task forms.
"""
