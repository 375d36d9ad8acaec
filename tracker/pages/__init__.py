"""What pages of several features share: loading what a URL names (a plan, a task, a period) with
its permission check, reading the dashboard's filters, and the task page, which the plan, progress and
discussion forms all render. Pages sit above every feature; no feature's models or rules import them."""
