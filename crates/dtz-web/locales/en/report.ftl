# Public reporting pages (/report, /report/status), English: the source language.
# Write for a child on a phone: short sentences, one idea per line, plain words.
# Terms follow the Luxembourg Guidelines (2016): "sexual exploitation of children",
# "child sexual abuse material"; nothing that blames a child.
report-title = Help
report-language = Language
report-quick-exit = Quick exit
report-danger-title = In danger now?
report-danger-text = Call now:
report-helpline = Child helpline
report-police = Police
report-danger-no-country = Call the police or a child helpline in your country.
report-demo = Demonstration: reports sent here are sample data and nobody will answer them.
report-choose-country = Where are you?
report-choose-country-text = Choose your country. Then you see who to call and who will read your report.
report-unknown-country = We cannot receive reports from this country here. Choose your country from the list.
report-heading = Tell us what happened
report-intro = You do not need to give your name.
report-who-sees = Only the child protection team of { $org } will read your report.
report-answer-hours = We will answer within { $hours } hours. Use your receipt to read our answer.
report-answer-days = We will answer within { $days } days. Use your receipt to read our answer.
report-answer-soon = We will answer as soon as we can. Use your receipt to read our answer.
report-not-here = Reports from { $country } cannot be sent here yet. Please call one of the numbers above.
report-no-pictures-title = Never send pictures or links of the abuse.
report-no-pictures = Do not send photos, videos or links. Tell us where instead: which app, which account, which place.
report-what = What happened?
report-what-hint = Write it in your own words. A few lines are enough.
report-where = Where?
report-where-hint = A place, an app or an online account. For example: the name of the app and of the account.
report-when = When?
report-when-hint = For example: today, last week, every weekend.
report-at-risk = Who is at risk?
report-at-risk-hint = For example: a girl of about 14, my friends, children at the market.
report-contact-legend = Can we contact you? You can leave this empty.
report-contact = How can we reach you?
report-contact-hint = A phone number or another way. Leave it empty if you do not want us to contact you.
report-safe-to-call = Is it safe for us to call you?
report-safe-yes = Yes
report-safe-no = No, do not call me
report-safe-not_sure = I am not sure
report-contact-when = When is a good time?
report-contact-who = Who else might answer this phone or read the message?
report-send = Send
report-status-link = Already sent a report? Check it with your receipt.
report-sent-heading = Thank you. We have your report.
report-receipt = Your receipt:
report-receipt-keep = Write it down. With it you can read our answer and add information.
report-receipt-safe = Take a photo or a screenshot only if it is safe. Anyone who has this receipt can read our answers.
report-receipt-once = We show it only this once.
report-status-heading = Check your report
report-status-intro = Type your receipt. It has 16 letters and numbers.
report-receipt-field = Receipt
report-receipt-hint = For example: 7KQM-2XWD-9RTA-HB4E
report-check = Check
report-status-label = Your report
report-status-received = We have received your report. Nobody has read it yet.
report-status-looking = Someone is looking at what you told us.
report-status-closed = We have finished working on this report.
report-messages = Messages for you
report-no-messages = No messages yet.
report-add-heading = Add information
report-add = What else do you want to tell us?
report-add-hint = Do not send pictures or links. Tell us where instead.
report-add-send = Add to my report
report-added = Thank you. We added what you wrote to your report.
report-no-match = We cannot show anything for this receipt.
report-no-match-check = Check each letter and number again.
report-no-match-old = If you sent your report a long time ago, it may have been closed and removed.
report-typo = This receipt has a mistake. Check every letter and number.
report-typo-empty = Type your receipt.
report-typo-length = A receipt has 16 letters and numbers. You typed { $count }.
report-typo-char = A receipt has only numbers and the letters A to Z without U. Check “{ $char }”.
report-error-title = There is a problem
report-limited = Many messages came from your connection in a short time. Please wait one hour and try again.
report-expired = This page was open for a long time. Please press the button again.
report-unreadable = We could not read what was sent. Please try again.
report-problem = Something went wrong on our side. Please try again later. If someone is in danger now, call the numbers above.
report-new = Send a new report
exit-title = Times tables

# Messages staff send to a reporter. They say nothing about the child or the case.
signal-reply-thanks = Thank you for telling us. We have read your report.
signal-reply-looking = We are looking into what you told us.
signal-reply-more_info = Can you tell us more? Use “Add information” below: where, when, which app or account.
signal-reply-contact_soon = Someone from our team will try to reach you in the way you told us.
signal-reply-passed_on = We have passed what you told us to people who can help.
signal-reply-call_helpline = Please call the child helpline. They can talk with you right away.
signal-reply-closed = We have finished working on this report. Thank you. If you need help again, send a new report or call the helpline.

# Countries of the programme, as the country chooser shows them.
country-BO = Bolivia
country-BR = Brazil
country-CO = Colombia
country-DO = Dominican Republic
country-ID = Indonesia
country-IN = India
country-NI = Nicaragua
country-PE = Peru
country-PH = Philippines
country-TH = Thailand

# Problems with what was typed (keys made from the English by Tr::message).
msg-tell-us-what-happened-in-your-own-words = Tell us what happened, in your own words.
msg-choose-one-of-the-answers = Choose one of the answers.
msg-write-what-you-want-to-add = Write what you want to add.
msg-reports-from-this-country-cannot-be-received-here-yet = Reports from this country cannot be received here yet.
