# Notifications: the task list, e-mail choices and the e-mails themselves. English
# (source language). E-mails say only what kind of thing happened and link to dtz.

notify-tasks = Your tasks
notify-tasks-none = Nothing is waiting for you.
notify-tasks-count = Open tasks: { $count }
notify-open = Open
notify-done = Done
notify-done-label = Done: { $what }
notify-newer = Newer tasks
notify-older = Older tasks
notify-received = Received

notify-kind-new_referral = New referral
notify-kind-referral_overdue = Referral overdue
notify-kind-value_returned = Value returned for correction
notify-kind-approval_pending = Approval pending
notify-kind-deadline_near = Deadline near
notify-kind-unknown = Notification

notify-text-new_referral = A new referral was addressed to your service.
notify-text-referral_overdue = A referral you follow has passed its answer deadline.
notify-text-value_returned = A value you reported was returned to you for correction.
notify-text-approval_pending = Something is waiting for your approval.
notify-text-deadline_near = One of your deadlines is near.
notify-text-unknown = Open it to see what it is about.

notify-prefs-title = E-mail notifications
notify-prefs-intro = Everything that needs you appears in the task list on the start page. Choose what you also want by e-mail. E-mails never contain details, only a link to the page in dtz.
notify-prefs-legend = Send me an e-mail for:
notify-prefs-save = Save choices
notify-prefs-saved = Your choices are saved.
notify-mail-on = E-mail is set up: you get an e-mail for the kinds you choose.
notify-mail-off = No e-mail server is configured, so notifications appear only in the task list on the start page. Your choices take effect once e-mail is set up.
notify-account-heading = Notifications
notify-account-link = Choose which notifications you get by e-mail

notify-mail-subject = dtz: { $what }
notify-mail-greeting = Hello,
notify-mail-open = Open it in dtz (sign in if asked):
notify-mail-no-details = This e-mail contains no details, to protect the people concerned.
notify-mail-why = You get it because of your notification settings: { $url }
