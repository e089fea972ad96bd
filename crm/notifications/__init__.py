"""In-app notifications for every user (SPEC §1.19 #67): one service over the route maps', monitoring's and
the CRM's own notification stores, the new/overdue task scan and each user's switches.

Public API: ``services`` (``unread_count``, ``list_notifications``, ``mark_read``, ``mark_all_read``),
``delivery.notify`` (write a notification of a CRM kind), ``settings`` (``get_settings``, ``save_settings``),
``task_scan.notify_task_events`` (the periodic job's service).
"""
