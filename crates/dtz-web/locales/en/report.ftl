# Public reporting pages (/report, /report/status), English: the source language.
# Write for a child on a phone: short sentences, one idea per line, plain words.
# Terms follow the Luxembourg Guidelines (2016): "sexual exploitation of children",
# "child sexual abuse material"; nothing that blames a child.
public-title = Help
public-language = Language
public-quick-exit = Quick exit
public-danger-title = In danger now?
public-danger-text = Call now:
public-helpline = Child helpline
public-police = Police
public-danger-no-country = Call the police or a child helpline in your country.
public-demo = Demonstration: reports sent here are sample data and nobody will answer them.
public-choose-country = Where are you?
public-choose-country-text = Choose your country. Then you see who to call and who will read your report.
public-unknown-country = We cannot receive reports from this country here. Choose your country from the list.
public-heading = Tell us what happened
public-intro = You do not need to give your name.
public-who-sees = Only the child protection team of { $org } will read your report.
public-answer-hours = We will answer within { $hours } hours. Use your receipt to read our answer.
public-answer-days = We will answer within { $days } days. Use your receipt to read our answer.
public-answer-soon = We will answer as soon as we can. Use your receipt to read our answer.
public-not-here = Reports from { $country } cannot be sent here yet. Please call one of the numbers above.
public-no-pictures-title = Never send pictures or links of the abuse.
public-no-pictures = Do not send photos, videos or links. Tell us where instead: which app, which account, which place.
public-what = What happened?
public-what-hint = Write it in your own words. A few lines are enough.
public-where = Where?
public-where-hint = A place, an app or an online account. For example: the name of the app and of the account.
public-when = When?
public-when-hint = For example: today, last week, every weekend.
public-at-risk = Who is at risk?
public-at-risk-hint = For example: a girl of about 14, my friends, children at the market.
public-contact-legend = Can we contact you? You can leave this empty.
public-contact = How can we reach you?
public-contact-hint = A phone number or another way. Leave it empty if you do not want us to contact you.
public-safe-to-call = Is it safe for us to call you?
public-safe-yes = Yes
public-safe-no = No, do not call me
public-safe-not_sure = I am not sure
public-contact-when = When is a good time?
public-contact-who = Who else might answer this phone or read the message?
public-send = Send
public-status-link = Already sent a report? Check it with your receipt.
public-sent-heading = Thank you. We have your report.
public-receipt = Your receipt:
public-receipt-keep = Write it down. With it you can read our answer and add information.
public-receipt-safe = Take a photo or a screenshot only if it is safe. Anyone who has this receipt can read our answers.
public-receipt-once = We show it only this once.
public-status-heading = Check your report
public-status-intro = Type your receipt. It has 16 letters and numbers.
public-receipt-field = Receipt
public-receipt-hint = For example: 7KQM-2XWD-9RTA-HB4E
public-check = Check
public-status-label = Your report
public-status-received = We have received your report. Nobody has read it yet.
public-status-looking = Someone is looking at what you told us.
public-status-closed = We have finished working on this report.
public-messages = Messages for you
public-no-messages = No messages yet.
public-add-heading = Add information
public-add = What else do you want to tell us?
public-add-hint = Do not send pictures or links. Tell us where instead.
public-add-send = Add to my report
public-added = Thank you. We added what you wrote to your report.
public-no-match = We cannot show anything for this receipt.
public-no-match-check = Check each letter and number again.
public-no-match-old = If you sent your report a long time ago, it may have been closed and removed.
public-typo = This receipt has a mistake. Check every letter and number.
public-typo-empty = Type your receipt.
public-typo-length = A receipt has 16 letters and numbers. You typed { $count }.
public-typo-char = A receipt has only numbers and the letters A to Z without U. Check “{ $char }”.
public-error-title = There is a problem
public-limited = Many messages came from your connection in a short time. Please wait one hour and try again.
public-expired = This page was open for a long time. Please press the button again.
public-unreadable = We could not read what was sent. Please try again.
public-problem = Something went wrong on our side. Please try again later. If someone is in danger now, call the numbers above.
public-new = Send a new report
public-exit-title = Times tables

# Messages staff send to a reporter. They say nothing about the child or the case.
signal-reply-thanks = Thank you for telling us. We have read your report.
signal-reply-looking = We are looking into what you told us.
signal-reply-more_info = Can you tell us more? Use “Add information” below: where, when, which app or account.
signal-reply-contact_soon = Someone from our team will try to reach you in the way you told us.
signal-reply-passed_on = We have passed what you told us to people who can help.
signal-reply-call_helpline = Please call the child helpline. They can talk with you right away.
signal-reply-closed = We have finished working on this report. Thank you. If you need help again, send a new report or call the helpline.

# Countries of the programme, as the country chooser shows them.
public-country-BO = Bolivia
public-country-BR = Brazil
public-country-CO = Colombia
public-country-DO = Dominican Republic
public-country-ID = Indonesia
public-country-IN = India
public-country-NI = Nicaragua
public-country-PE = Peru
public-country-PH = Philippines
public-country-TH = Thailand

# Problems with what was typed (keys made from the English by Tr::message).
msg-tell-us-what-happened-in-your-own-words = Tell us what happened, in your own words.
msg-choose-one-of-the-answers = Choose one of the answers.
msg-write-what-you-want-to-add = Write what you want to add.
msg-reports-from-this-country-cannot-be-received-here-yet = Reports from this country cannot be received here yet.
