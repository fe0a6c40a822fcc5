package render

import (
	"fmt"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// What residents see. Go constants and small functions rather than a
// message catalogue such as go-i18n: there is one language, plural forms
// need only the three Russian forms (plural in texts.go), the compiler
// catches a missing or misspelt text, and a reviewer reads every wording
// in one file.

// ConsentVersion is the version of the consent wording; it is recorded
// with the consent, followed by a hash of the operator's name (see
// Bot.consentVersion). Change it whenever textConsent or textConsentFull
// changes.
const ConsentVersion = "2026-12-01"

// DefaultOperatorName is the personal-data operator named in the consent
// when MCU_OPERATOR_NAME is not set.
const DefaultOperatorName = "Администрация муниципального района"

// TextGreeting greets someone who opened the bot (the staff side uses it
// too).
const TextGreeting = "Здравствуйте! Это бот Муниципального центра управления. " +
	"Здесь можно сообщить о проблеме в районе: ЖКХ, благоустройство, социальные вопросы и другое.\n\n" +
	"Команды: /new — новое сообщение, /my — мои сообщения, /help — справка."

const (
	TextConsent = "Здравствуйте! Это бот Муниципального центра управления (МЦУ). " +
		"Здесь можно сообщить о проблеме в районе: ЖКХ, дороги, благоустройство, социальные вопросы и другое.\n\n" +
		"Чтобы принять ваше сообщение, нам нужно ваше согласие на обработку персональных данных " +
		"(Федеральный закон № 152-ФЗ). Оператор — %s (МЦУ). " +
		"Цель — рассмотреть ваше сообщение и сообщить ответ. " +
		"Мы храним ваше имя в Telegram, номер чата и то, что вы нам пришлёте; телефон — только если вы сами его оставите."
	TextConsentFull = "Согласие на обработку персональных данных\n\n" +
		"Оператор: %s, Муниципальный центр управления (МЦУ).\n\n" +
		"Цель: приём и рассмотрение ваших сообщений о проблемах в районе, уведомления о ходе рассмотрения и ответ.\n\n" +
		"Данные: имя и идентификатор в Telegram, номер чата с ботом; текст, фотографии, адрес и место на карте, " +
		"которые вы пришлёте; номер телефона, если вы его оставите.\n\n" +
		"Действия: сбор, запись, хранение, уточнение, использование, передача сотрудникам администрации " +
		"и в органы, к компетенции которых относится вопрос, обезличивание и удаление.\n\n" +
		"Срок: до отзыва согласия или окончания срока хранения сообщений, после чего данные обезличиваются.\n\n" +
		"Согласие можно отозвать в любой момент командой /privacy или обратившись в МЦУ. " +
		"Без согласия бот может только показать справку (/help)."
	TextConsentGiven    = "Спасибо! Теперь можно отправить сообщение: нажмите «Новое сообщение» или /new."
	TextConsentAlready  = "Согласие уже получено."
	TextConsentDeclined = "Хорошо. Без согласия мы не можем принять сообщение, но справка доступна всегда: /help. " +
		"Если передумаете — /start."
	TextConsentNeeded = "Чтобы отправить сообщение, нужно согласие на обработку персональных данных."

	BtnConsentYes  = "Согласен"
	BtnConsentFull = "Полный текст"
	BtnConsentNo   = "Не согласен"

	// The main menu: a reply keyboard for those who do not type commands.
	BtnMenuNew  = "Новое сообщение"
	BtnMenuMy   = "Мои сообщения"
	BtnMenuHelp = "Справка"

	TextMenuHint = "Чтобы сообщить о проблеме, нажмите «Новое сообщение» или /new. Ваши сообщения — /my, справка — /help."
)

// HelpText is /help: what the bot does, the answer deadline of a message
// (the «message» rule of deadline_rules, in words: DeadlineText; left out
// when "") and that what is sent here is a «сообщение», not a formal
// appeal, with the ways a formal one is made (59-ФЗ art. 4, 7: in writing
// or electronically).
func HelpText(deadline string) string {
	var due string
	if deadline != "" {
		due = fmt.Sprintf("Срок ответа — %s. ", deadline)
	}
	return "Этот бот принимает сообщения о проблемах в районе и передаёт их в Муниципальный центр управления (МЦУ). " +
		"Сообщение получает номер вида 2026-000017, сотрудники разбираются и присылают ответ сюда же.\n\n" +
		due +
		"Если нужно уточнение, бот пришлёт вопрос — на него можно ответить кнопкой «Ответить».\n\n" +
		"То, что вы пишете боту, — это сообщение, а не официальное обращение. " +
		"Официальное обращение по закону № 59-ФЗ можно подать через Госуслуги (https://www.gosuslugi.ru), " +
		"письменно — по почте или лично в администрации, " +
		"или через официальную систему приёма обращений администрации на её сайте.\n\n" +
		"Команды:\n" +
		"/new — новое сообщение\n" +
		"/my — мои сообщения\n" +
		"/status 2026-000017 — статус сообщения по номеру\n" +
		"/cancel — отменить ввод\n" +
		"/privacy — ваши персональные данные, отзыв согласия\n" +
		"/help — эта справка"
}

// DeadlineText is a deadline rule in words, as /help says it after
// «Срок ответа —»: «10 рабочих дней», «30 дней», «24 часа».
func DeadlineText(r workflow.DeadlineRule) string {
	switch r.Unit {
	case workflow.UnitWorkdays:
		return Workdays(r.Amount)
	case workflow.UnitDays:
		return Days(r.Amount)
	case workflow.UnitHours:
		return fmt.Sprintf("%d %s", r.Amount, plural(r.Amount, "час", "часа", "часов"))
	}
	return ""
}

// Workdays formats a number of working days: «1 рабочий день»,
// «2 рабочих дня», «10 рабочих дней».
func Workdays(n int) string {
	return fmt.Sprintf("%d %s", n, plural(n, "рабочий день", "рабочих дня", "рабочих дней"))
}

// Messages formats a number of messages: «1 сообщение», «2 сообщения»,
// «5 сообщений».
func Messages(n int) string {
	return fmt.Sprintf("%d %s", n, plural(n, "сообщение", "сообщения", "сообщений"))
}

// photos formats a number of photos: «1 фото» (indeclinable).
func photos(n int) string { return fmt.Sprintf("%d фото", n) }

// The intake dialog.
const (
	TextIntakeDirection      = "Выберите направление, к которому относится проблема:"
	TextIntakeDirectionSaved = "Описание сохранено. Теперь выберите направление кнопкой:"
	TextIntakeDescribe       = "Опишите проблему: что случилось и где. Можно приложить фото (до 10)."
	TextIntakeDescribeAgain  = "Напишите описание заново и, если нужно, приложите фото (до 10)."
	TextIntakeTextSaved      = "Записал. Можно дописать текст, добавить фото (до 10) и отметить место на карте: 📎 → «Геопозиция». Когда всё — нажмите «Дальше»."
	TextIntakePhotoSaved     = "Фото сохранено. Можно добавить ещё, дописать текст или отметить место на карте: 📎 → «Геопозиция». Когда всё — нажмите «Дальше»."
	TextIntakePhotoNeedsText = "Фото сохранено. Теперь опишите проблему словами: что случилось и где."
	TextIntakePhotoDirection = "Фото сохранено. Теперь выберите направление кнопкой выше."
	TextIntakeTooManyPhotos  = "К одному сообщению можно приложить не больше 10 фото. Лишние не сохранены."
	TextIntakeMoreText       = "Опишите, пожалуйста, подробнее: что случилось и где. Одного слова мало, чтобы разобраться."
	TextIntakeTooLong        = "Текст получился слишком длинным. Сократите, пожалуйста, описание."
	TextIntakeNeedText       = "Сначала опишите проблему словами."
	TextIntakeLocation       = "Где это? Нажмите «" + BtnSendLocation + "» или напишите адрес. Этот шаг можно пропустить."
	TextIntakeBadAddress     = "Не получилось разобрать адрес. Напишите, например: ул. Ленина, 5 — или нажмите «" + BtnSkip + "»."
	TextIntakePhone          = "Оставьте номер телефона, если удобно, чтобы с вами могли связаться. Это необязательно."
	TextIntakeNotOwnContact  = "Пришлите, пожалуйста, свой номер кнопкой «" + BtnSendPhone + "» — или нажмите «" + BtnSkip + "»."
	TextIntakeBadPhone       = "Не получилось разобрать номер. Нажмите «" + BtnSendPhone + "» или «" + BtnSkip + "»."
	textIntakeCheck          = "Проверьте, всё ли верно:"
	TextIntakeConfirm        = "Всё верно? Нажмите «" + BtnSubmit + "»."
	textIntakeAddMore        = "Место на карте, адрес или телефон можно добавить: «" + BtnEdit + "»."
	TextIntakeWhatToChange   = "Что изменить?"
	TextIntakeCancelled      = "Сообщение отменено, ничего не отправлено. Начать заново — /new."
	TextSubmitted            = "Отправлено"
	TextIntakeUnfinished     = "У вас есть незаконченное сообщение. Продолжить его или начать заново?"
	TextNothingToCancel      = "Сейчас нечего отменять."

	BtnDontKnow       = "Не знаю"
	BtnCancel         = "Отменить"
	BtnNext           = "Дальше"
	BtnBack           = "Назад"
	BtnSkip           = "Пропустить"
	BtnSendLocation   = "📍 Отправить геопозицию"
	BtnSendPhone      = "📱 Поделиться номером"
	BtnSubmit         = "Отправить"
	BtnEdit           = "Изменить"
	BtnEditDirection  = "Направление"
	BtnEditText       = "Описание и фото"
	BtnEditLocation   = "Место"
	BtnEditPhone      = "Телефон"
	BtnContinue       = "Продолжить"
	BtnStartOver      = "Начать заново"
	TextDirectionNone = "не знаю (определят сотрудники)"
)

// What an intake step expects, for input it cannot take (a sticker, a
// voice message, a file); expectText in intake_input.go picks one.
const (
	TextExpectDirection = "Сейчас нужно выбрать направление кнопкой выше."
	TextExpectDetails   = "Я понимаю текст и фото. Опишите, пожалуйста, проблему словами и приложите фото, если есть."
	TextExpectLocation  = "Сейчас нужно место: нажмите «" + BtnSendLocation + "», напишите адрес или нажмите «" + BtnSkip + "»."
	TextExpectPhone     = "Сейчас можно оставить телефон кнопкой «" + BtnSendPhone + "» или нажать «" + BtnSkip + "»."
	TextExpectButton    = "Нажмите, пожалуйста, одну из кнопок под сообщением выше."
	TextExpectOther     = "Я понимаю только текст и фото. " + TextMenuHint
)

// TextStale answers a button from an old message or pressed twice.
const TextStale = "Эта кнопка уже не действует."

// IntakeDraft is what a resident is about to send, as the summary shows it.
type IntakeDraft struct {
	Direction string // the direction's name
	Text      string
	Photos    int
	Located   bool // a point on the map was sent
	Address   string
	Phone     string
}

// RegisteredText tells the resident their appeal's number and deadline.
func RegisteredText(a *workflow.Appeal, loc *time.Location) string {
	return fmt.Sprintf("Сообщение зарегистрировано, № %s, ответ до %s.", a.Number(), FormatDate(a.DueAt, loc))
}

// IntakeSummary renders what the resident is about to send, and asks to
// confirm it.
func IntakeSummary(d IntakeDraft) string {
	var b strings.Builder
	b.WriteString(textIntakeCheck + "\n\n")
	fmt.Fprintf(&b, "Направление: %s\n", d.Direction)
	fmt.Fprintf(&b, "Описание: %s\n", d.Text)
	if n := d.Photos; n > 0 {
		fmt.Fprintf(&b, "Фото: %d\n", n)
	}
	switch {
	case d.Located && d.Address != "":
		fmt.Fprintf(&b, "Место: отмечено на карте, %s\n", d.Address)
	case d.Located:
		b.WriteString("Место: отмечено на карте\n")
	case d.Address != "":
		fmt.Fprintf(&b, "Адрес: %s\n", d.Address)
	default:
		b.WriteString("Место: не указано\n")
	}
	if d.Phone != "" {
		fmt.Fprintf(&b, "Телефон: %s\n", d.Phone)
	} else {
		b.WriteString("Телефон: не указан\n")
	}
	b.WriteString("\n")
	if d.Phone == "" || (!d.Located && d.Address == "") {
		b.WriteString(textIntakeAddMore + "\n")
	}
	b.WriteString(TextIntakeConfirm)
	return b.String()
}

// LimitedText refuses a new appeal over the hourly limit, saying when the
// resident can write again; kept says the appeal written is kept.
func LimitedText(perHour int, retryAt time.Time, loc *time.Location, kept bool) string {
	s := fmt.Sprintf("Вы уже отправили %s за час — это предел, чтобы бот успевал за всеми. "+
		"Новое сообщение можно будет отправить после %s.", Messages(perHour), retryAt.In(loc).Format("15:04"))
	if kept {
		s += fmt.Sprintf(" Ваше сообщение сохранено: нажмите «%s» позже.", BtnSubmit)
	}
	return s
}

// Following appeals: /my and /status.
const (
	TextMyNone         = "У вас пока нет сообщений. Новое — /new."
	TextStatusUsage    = "Укажите номер сообщения, например: /status 2026-000017"
	BtnPrev            = "← Назад"
	BtnMore            = "Дальше →"
	BtnWithdraw        = "Отозвать"
	BtnWithdrawYes     = "Да, отозвать"
	BtnWithdrawNo      = "Нет"
	BtnAnswer          = "Ответить"
	TextWithdrawn      = "Сообщение № %s отозвано. Сотрудники получили уведомление."
	TextWithdrawAsk    = "Отозвать сообщение № %s? Его рассмотрение прекратится, отменить это будет нельзя."
	textWithdrawNot    = "Сообщение № %s нельзя отозвать: %s."
	TextAppealChanged  = "Статус сообщения изменился. Посмотрите его снова: /status %s"
	TextStatusNotFound = "Сообщение № %s не найдено."
)

// MyHeader heads the list of a resident's appeals.
func MyHeader(total, page, pages int) string {
	if pages <= 1 {
		return fmt.Sprintf("Ваши сообщения (%d):", total)
	}
	return fmt.Sprintf("Ваши сообщения (%d), страница %d из %d:", total, page, pages)
}

// MyLine is one appeal in the list.
func MyLine(a *workflow.Appeal, direction string, loc *time.Location) string {
	s := fmt.Sprintf("№ %s · %s\n%s", a.Number(), direction, stateNames[a.State])
	if a.State.Open() && !a.DueAt.IsZero() {
		s += ", ответ до " + FormatDate(a.DueAt, loc)
	}
	return s
}

// StatusText is one appeal in detail, as its resident sees it.
func StatusText(a *workflow.Appeal, direction string, loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Сообщение № %s от %s\n", a.Number(), FormatDate(a.CreatedAt, loc))
	fmt.Fprintf(&b, "Направление: %s\n", direction)
	fmt.Fprintf(&b, "Статус: %s\n", stateNames[a.State])
	if !a.DueAt.IsZero() && a.State.Open() {
		fmt.Fprintf(&b, "Ответ до: %s\n", FormatDate(a.DueAt, loc))
	}
	fmt.Fprintf(&b, "\n%s\n", Shorten(AppealText(a), 1000))
	if n := len(a.Attachments); n > 0 {
		fmt.Fprintf(&b, "Фото: %d\n", n)
	}
	if a.Address != "" {
		fmt.Fprintf(&b, "Адрес: %s\n", a.Address)
	}
	switch a.State {
	case workflow.StateAnswered, workflow.StateClosed:
		if a.Answer != "" {
			fmt.Fprintf(&b, "\nОтвет:\n%s\n", Shorten(a.Answer, 2000))
		}
		if a.Rating != 0 {
			fmt.Fprintf(&b, "Ваша оценка: %d из 5\n", a.Rating)
		}
	case workflow.StateRejected:
		fmt.Fprintf(&b, "\nПричина: %s\n", a.Reason)
	case workflow.StateRedirected:
		fmt.Fprintf(&b, "\nНаправлено: %s\n", a.Reason)
	}
	return strings.TrimRight(b.String(), "\n")
}

// ResidentDirectionName is a direction in words, «не определено» for triage.
func ResidentDirectionName(code string, dirs map[string]string) string {
	if code == "" {
		return "определяется"
	}
	if name := dirs[code]; name != "" {
		return name
	}
	return code
}

// Clarification.
const (
	TextReplyPrompt       = "Напишите ответ на вопрос по сообщению № %s. Можно приложить фото."
	TextReplyPlaceholder  = "Ваш ответ"
	TextReplyPhotoSaved   = "Фото добавлено к ответу. Допишите текст или нажмите «" + BtnSendReply + "»."
	TextReplySent         = "Спасибо! Ответ по сообщению № %s передан сотрудникам."
	TextReplyNotNeeded    = "Ответ на этот вопрос уже не нужен."
	TextReplyExpect       = "Напишите ответ текстом или пришлите фото."
	textReplyEmpty        = "Ответ пустой. Напишите, пожалуйста, текст."
	TextReplyCancelled    = "Ответ отменён."
	TextIntakeResume      = "Вы можете продолжить незаконченное сообщение — /new."
	BtnSendReply          = "Отправить ответ"
	TextCommentPrompt     = "Что осталось нерешённым? Напишите коротко — это поможет сотрудникам. Или нажмите «" + BtnSkip + "»."
	TextCommentExpect     = "Напишите комментарий текстом или нажмите «" + BtnSkip + "»."
	TextReopened          = "Сообщение № %s возобновлено: сотрудники вернутся к нему и ответят снова."
	TextCommentSent       = "Спасибо! Комментарий к сообщению № %s передан сотрудникам."
	TextCommentSkipped    = "Хорошо, без комментария."
	TextCommentLate       = "Комментарий не передан: по сообщению № %s уже есть новый ответ. Если проблема в другом — отправьте новое сообщение: /new."
	TextClosed            = "Спасибо! Рады, что проблема решена. Сообщение № %s закрыто."
	TextRated             = "Спасибо за оценку!"
	TextRatedAlready      = "Оценка уже учтена."
	TextSolvedAlready     = "Ответ уже учтён."
	TextSolvedQuestion    = "Ваша оценка: %d из 5. Проблема решена?"
	BtnSolvedYes          = "Да"
	BtnSolvedPartly       = "Частично"
	BtnSolvedNo           = "Нет"
	textSolvedYesChosen   = "Проблема решена: да."
	textSolvedNoChosen    = "Проблема решена: нет."
	textSolvedPartlyChose = "Проблема решена: частично."
)

// residentText is what the resident is told about a change of their
// appeal, or "" when the change is not worth a message.
func residentText(a *workflow.Appeal, n workflow.Notification, loc *time.Location) string {
	num := a.Number()
	switch n.Event {
	case workflow.EventRegister:
		return RegisteredText(a, loc)
	case workflow.EventTake:
		return fmt.Sprintf("Сообщение № %s взято в работу.", num)
	case workflow.EventAskResident:
		return fmt.Sprintf("По сообщению № %s у сотрудника вопрос:\n\n%s\n\nНажмите «%s», чтобы ответить.", num, n.Input.Text, BtnAnswer)
	case workflow.EventJoinIncident, workflow.EventIncidentTerm:
		return incidentResidentText(a, n, loc) // texts_incident.go
	case workflow.EventApprove, workflow.EventAnswerIncident:
		// An incident's one answer reaches its resident as any answer.
		return fmt.Sprintf("Ответ на сообщение № %s:\n\n%s\n\nОцените, пожалуйста, ответ от 1 до 5:", num, a.Answer)
	case workflow.EventExtend:
		return fmt.Sprintf("Срок ответа на сообщение № %s продлён до %s. Причина: %s",
			num, FormatDate(a.DueAt, loc), n.Input.Reason)
	case workflow.EventReject:
		return fmt.Sprintf("Сообщение № %s оставлено без ответа по существу. Основание: %s.",
			num, n.Input.Reason)
	case workflow.EventRedirect:
		s := fmt.Sprintf("Сообщение № %s передано по компетенции: %s.", num, n.Input.Authority)
		if n.Input.Reason != "" {
			s += " Причина: " + n.Input.Reason
		}
		return s
	}
	return ""
}

// TextOK brings the main menu back after a step with its own keyboard.
const TextOK = "Хорошо."

// TextAnswerFiles captions the evidence sent with an answer.
const TextAnswerFiles = "№ %s: фото к ответу"

// residentCommands is the command menu of private chats (setMyCommands).
var residentCommands = []tele.Command{
	{Text: "start", Description: "Начало работы"},
	{Text: "new", Description: "Новое сообщение"},
	{Text: "my", Description: "Мои сообщения"},
	{Text: "status", Description: "Статус сообщения по номеру"},
	{Text: "news", Description: "Новости района: включить или выключить"},
	{Text: "privacy", Description: "Мои данные и отзыв согласия"},
	{Text: "help", Description: "Справка"},
	{Text: "cancel", Description: "Отменить ввод"},
}

// The resident's personal data: /privacy, and revoking the consent.
const (
	TextPrivacyNone = "Вы не давали согласия на обработку персональных данных, и бот ничего о вас не хранит. " +
		"Оператор персональных данных — %s (МЦУ)."
	BtnForget            = "Отозвать согласие"
	BtnForgetYes         = "Да, отозвать и удалить"
	BtnForgetNo          = "Нет"
	TextForgotten        = "Согласие отозвано, ваши данные удалены. Бот больше не будет вам писать. Чтобы снова написать в МЦУ, нажмите /start."
	TextForgottenAlready = "Ваши данные уже удалены."
	TextForgetKept       = "Хорошо, согласие остаётся в силе, ничего не удалено."
	TextForgetChanged    = "Ваши сообщения изменились: проверьте ещё раз."
)

// PrivacyText is /privacy: who keeps what about the resident and why,
// since when, and that the consent can be revoked (the button below).
func PrivacyText(operator string, r *workflow.ResidentProfile, appeals int, loc *time.Location) string {
	return fmt.Sprintf("Ваши персональные данные\n\n"+
		"Оператор — %s (МЦУ). Согласие на обработку дано %s.\n\n"+
		"Мы храним ваше имя в Telegram, номер чата с ботом, телефон, если вы его оставляли, "+
		"а также тексты, фото, адреса и места на карте ваших сообщений (%s). "+
		"Они нужны, чтобы рассмотреть сообщения и ответить вам; их видят только сотрудники, которые с ними работают.\n\n"+
		"Когда сообщения рассмотрены и срок их хранения истёк, данные удаляются сами. "+
		"Отозвать согласие можно в любой момент — тогда данные будут удалены сразу.",
		operator, FormatDate(r.ConsentAt, loc), Messages(appeals))
}

// ForgetAskText asks to confirm revoking the consent, naming the open
// appeals that would be withdrawn.
func ForgetAskText(open []*workflow.Appeal) string {
	var withdrawn string
	if len(open) > 0 {
		withdrawn = "\n\nОткрытые сообщения будут отозваны, их рассмотрение прекратится: " + NumberList(open) + "."
	}
	return "Отозвать согласие на обработку персональных данных?\n\n" +
		"Будут удалены ваше имя, номер чата, телефон, тексты, фото, адреса и места ваших сообщений. " +
		"Номера сообщений останутся в статистике, но без ваших данных." + withdrawn +
		"\n\nОтменить это будет нельзя."
}
