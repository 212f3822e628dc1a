"""预警中心: rules on catalog metrics and on events, de-duplicated alerts with their history,
and the in-app notifications they raise (issue 15). Rules are read by `evaluation`, alerts
are written by `services`; channels deliver what `services` opened."""
