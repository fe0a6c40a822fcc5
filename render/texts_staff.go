package render

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// staffCommands is the command menu in groups.
var staffCommands = []tele.Command{
	{Text: "register", Description: "Зарегистрировать обращение из другого канала"},
	{Text: "history", Description: "История обращения: /history 2026-000017"},
	{Text: "digest", Description: "Сводка главы (в чате главы или руководителя МЦУ)"},
	{Text: "report", Description: "Отчёт за месяц для ЦУР: /report 2026-11"},
	{Text: "announce", Description: "Объявление жителям (в личном чате с ботом)"},
	{Text: "cancel", Description: "Отменить ввод"},
	{Text: "bindings", Description: "Привязанные чаты"},
	{Text: "bind", Description: "Привязать чат: /bind <код>"},
	{Text: "unbind", Description: "Снять привязку чата"},
	{Text: "invite", Description: "Пригласить сотрудника: /invite <роль> [<направление>]"},
	{Text: "staff", Description: "Сотрудники и роли"},
	{Text: "revoke", Description: "Снять роль"},
	{Text: "forget", Description: "Удалить персональные данные заявителя: /forget 2026-000017"},
	{Text: "directions", Description: "Направления и сроки ответа"},
}

// ChatNotice is what a direction or triage chat is told besides the card.
func ChatNotice(a *workflow.Appeal, n workflow.Notification) string {
	num := a.Number()
	switch n.Event {
	case workflow.EventReturn:
		return fmt.Sprintf("№ %s: черновик возвращён на доработку. Причина: %s", num, n.Input.Reason)
	case workflow.EventResidentReplied:
		return fmt.Sprintf("№ %s: заявитель ответил на вопрос:\n\n%s", num, n.Input.Text)
	case workflow.EventReopen:
		s := fmt.Sprintf("№ %s: заявитель сообщил, что проблема не решена. Обращение возобновлено.", num)
		if n.Input.Solved == workflow.SolvedPartly {
			s = fmt.Sprintf("№ %s: заявитель сообщил, что проблема решена частично. Обращение возобновлено.", num)
		}
		if n.Input.Text != "" {
			s += "\n\nКомментарий: " + n.Input.Text
		}
		return s
	case workflow.EventResidentCommented:
		what := "проблема не решена"
		if n.Input.Solved == workflow.SolvedPartly {
			what = "проблема решена частично"
		}
		return fmt.Sprintf("№ %s: комментарий заявителя к возобновлению (%s):\n\n%s", num, what, n.Input.Text)
	case workflow.EventWithdraw:
		return fmt.Sprintf("№ %s: заявитель отозвал сообщение.", num)
	}
	return ""
}

// roleNames are the staff roles in words.
var roleNames = map[workflow.Role]string{
	workflow.RoleAdmin:    "администратор",
	workflow.RoleOperator: "оператор",
	workflow.RoleCurator:  "куратор",
	workflow.RoleExecutor: "исполнитель",
	workflow.RoleHead:     "глава администрации",
	workflow.RoleLeader:   "руководитель МЦУ",
	workflow.RolePress:    "администратор – пресс-секретарь МЦУ",
}

// sourceNames are the channels an appeal came by, in words.
var sourceNames = map[workflow.Source]string{
	workflow.SourceBot:      "бот",
	workflow.SourcePOS:      "ПОС (Госуслуги)",
	workflow.SourceSocial:   "социальные сети",
	workflow.SourcePhone:    "телефон",
	workflow.SourceInPerson: "личный приём",
	workflow.SourceEmail:    "почта",
}

// eventNames are the events as a history line names them.
var eventNames = map[workflow.Event]string{
	workflow.EventRegister:          "зарегистрировано",
	workflow.EventRoute:             "направлено",
	workflow.EventTake:              "взято в работу",
	workflow.EventAskResident:       "вопрос заявителю",
	workflow.EventResidentReplied:   "заявитель ответил",
	workflow.EventSubmitDraft:       "проект ответа",
	workflow.EventApprove:           "ответ утверждён",
	workflow.EventReturn:            "возвращено",
	workflow.EventReroute:           "перенаправлено",
	workflow.EventExtend:            "срок продлён",
	workflow.EventRate:              "оценка",
	workflow.EventReopen:            "возобновлено",
	workflow.EventResidentCommented: "комментарий заявителя",
	workflow.EventClose:             "закрыто",
	workflow.EventReject:            "отклонено",
	workflow.EventRedirect:          "переадресовано",
	workflow.EventWithdraw:          "отозвано заявителем",
	workflow.EventJoinIncident:      "в инциденте",
	workflow.EventLeaveIncident:     "отделено от инцидента",
	workflow.EventAnswerIncident:    "ответ по инциденту",
}

// Reason is a reason from a fixed list: a short code for callback data,
// a button label, and the wording that is stored and shown; a ground of
// 59-ФЗ art. 11 also has the part of the article it rests on.
type Reason struct{ Code, Label, text, part string }

// wording is the reason as it is stored and shown for an appeal of kind:
// a ground of 59-ФЗ art. 11 ends with its reference, plain for a formal
// appeal (appeal59) and «по аналогии с …» for a bot's «сообщение» or an
// incident, which the law does not govern.
func (r Reason) wording(kind workflow.Kind) string {
	if r.part == "" {
		return r.text
	}
	ref := "ч. " + r.part + " ст. 11 59-ФЗ"
	if kind != workflow.KindAppeal59 {
		ref = "по аналогии с " + ref
	}
	return r.text + " (" + ref + ")"
}

// returnReasons are why a curator returns a draft.
var returnReasons = []Reason{
	{"formal", "Отписка", "отписка: ответ не по существу вопроса", ""},
	{"no_date", "Нет срока устранения", "не указан срок устранения проблемы", ""},
	{"no_proof", "Нет подтверждения", "«устранено» без подтверждения (фото, акт)", ""},
	{"law", "Нормы без разъяснения", "ссылки на нормы права без разъяснения", ""},
	{"contra", "Противоречия", "в ответе есть противоречия", ""},
}

// rejectReasons are the grounds of 59-ФЗ art. 11 to leave an appeal
// without an answer on the merits.
var rejectReasons = []Reason{
	{"obscene", "Оскорбления, угрозы", "нецензурные либо оскорбительные выражения, угрозы", "3"},
	{"unreadable", "Текст не читается", "текст не поддаётся прочтению", "4"},
	{"repeat", "Повтор без новых доводов", "повторное обращение без новых доводов", "5"},
	{"no_contact", "Нет имени или адреса", "не указаны фамилия или адрес для ответа", "1"},
}

// FindReason returns the wording of the reason with code in list, for an
// appeal of kind (see Reason.wording), and whether there is one.
func FindReason(list []Reason, code string, kind workflow.Kind) (string, bool) {
	for _, r := range list {
		if r.Code == code {
			return r.wording(kind), true
		}
	}
	return "", false
}

// Labels of buttons besides the card's.
const (
	LabelComment = "Свой комментарий"
	LabelCancel  = "Отмена"
	LabelUnknown = "Не знаю"
)

// Staff texts.
const (
	TextDone           = "Готово"
	textNotStaff       = "Команда доступна только сотрудникам МЦУ."
	TextGroupOnly      = "Эта команда работает в группе сотрудников."
	TextBindUsage      = "Укажите, к чему привязать чат: /bind <код>.\nКоды: %s, triage (сортировка), head (глава администрации), leader (руководитель МЦУ); канал новостей: /bind channel <id канала> в личном чате."
	TextBindUnknown    = "Неизвестный код «%s».\nКоды: %s, triage (сортировка), head (глава администрации), leader (руководитель МЦУ); канал новостей: /bind channel <id канала> в личном чате."
	TextBoundDirection = "Чат привязан к направлению «%s». Сюда будут приходить карточки обращений."
	TextBoundTriage    = "Чат назначен для сортировки: сюда будут приходить обращения без направления."
	TextBoundHead      = "Чат назначен для сводок главе администрации."
	TextBoundLeader    = "Чат назначен для сводок руководителю МЦУ."
	TextBoundQueued    = "\nКарточек из очереди: %d."
	TextUnbound        = "Привязка снята: %s."
	TextNotBound       = "Этот чат ни к чему не привязан."
	TextNoBindings     = "Привязанных чатов нет."
	TextBindingsTitle  = "Привязанные чаты:"
	TextMigrated       = "Группа стала супергруппой. Привязка сохранена: %s."
	// TextChatRefuses goes to the admins in private when a staff chat
	// refuses the bot (403): the chat's id and Telegram's reason.
	TextChatRefuses     = "Чат %d не принимает сообщения бота (%s). Уведомления туда не доходят: верните бота в чат или привяжите другой."
	TextTriageTarget    = "сортировка"
	TextHeadTarget      = "глава администрации"
	TextLeaderTarget    = "руководитель МЦУ"
	TextInviteUsage     = "Укажите роль: /invite <роль> [<направление>].\nРоли: admin, operator, curator, executor, head, leader, press. Для curator и executor нужно направление: %s."
	TextInviteCreated   = "Приглашение: %s. Ссылка одноразовая, действует до %s:\n%s"
	TextInviteAccepted  = "Добро пожаловать! Вам выдана роль: %s."
	TextHeadChatBound   = "Сводка для главы администрации будет приходить в этот чат."
	TextInviteUsedBy    = "%s принял(а) приглашение: %s."
	TextInviteUsed      = "Это приглашение уже использовано. Попросите администратора прислать новое."
	TextInviteExpired   = "Срок действия приглашения истёк. Попросите администратора прислать новое."
	TextInviteNotFound  = "Приглашение не найдено. Проверьте ссылку или попросите администратора прислать новую."
	TextStaffTitle      = "Сотрудники:"
	TextNoStaff         = "Сотрудников пока нет. Пригласите их командой /invite."
	TextBootstrapAdmin  = "администратор (MCU_ADMIN_IDS)"
	TextRevokeChoose    = "Чью роль снять?"
	TextRevokeNone      = "Снимать нечего: ролей, выданных приглашением, нет."
	TextRevoked         = "Роль снята: %s — %s."
	TextCancelled       = "Ввод отменён."
	TextFullTitle       = "№ %s, полный текст:"
	TextFullDraft       = "Проект ответа полностью:"
	TextFullAnswer      = "Ответ полностью:"
	TextChooseReturn    = "№ %s: почему проект возвращается?"
	TextChooseReject    = "№ %s: по какому основанию отклонить (ст. 11 59-ФЗ)?"
	TextChooseReroute   = "№ %s: в какое направление перенаправить?"
	TextChooseRoute     = "№ %s: в какое направление направить?"
	TextPromptAsk       = "%s, напишите вопрос заявителю по № %s ответом на это сообщение."
	TextPromptDraft     = "%s, напишите проект ответа по № %s ответом на это сообщение. Можно приложить фото (подтверждение)."
	TextPromptReturn    = "%s, напишите, что доработать в проекте по № %s, ответом на это сообщение."
	TextPromptExtend    = "%s, срок ответа по № %s продлевается на %s. Напишите причину ответом на это сообщение — её увидит заявитель."
	TextChooseExtend    = "№ %s: на сколько продлить срок? Продлить можно один раз."
	TextPromptRedirect  = "%s, в какой орган переадресовать № %s? Напишите название ответом на это сообщение."
	TextPhotoKept       = "Фото добавлено. Теперь напишите текст ответом на то же сообщение."
	TextStaffReplyEmpty = "Нужен текст. Ответьте на сообщение бота ещё раз."
	TextSent            = "№ %s: %s."
	TextAskSent         = "вопрос отправлен заявителю"
	TextDraftSent       = "проект ответа отправлен на согласование"
	textReturnSent      = "проект возвращён на доработку"
	TextExtendSent      = "срок продлён до %s, заявитель уведомлён"
	// TextExtendSentWritten confirms an extension of an appeal whose citizen
	// is not in Telegram: the bot told nobody (59-ФЗ art. 12 part 2).
	TextExtendSentWritten = "срок продлён до %s. Заявителя нет в Telegram — уведомите его о продлении письменно (ч. 2 ст. 12 59-ФЗ)"
	// TextExtendOverdue answers «Продлить срок» pressed after the deadline.
	TextExtendOverdue = "Срок ответа уже истёк: продлить его нельзя. Продлевают до окончания срока, уведомив заявителя (ч. 2 ст. 12 59-ФЗ)."
	TextRedirectSent  = "переадресовано: %s"
	TextHistoryUsage  = "Укажите номер: /history 2026-000017."
	TextHistoryTitle  = "История № %s:"
	TextNotYours      = "Это не ваш запрос."
)

// Answers to a press that lost a race: what happened to the appeal.
var conflictTexts = map[workflow.State]string{
	workflow.StateInProgress:    "Уже взято в работу.",
	workflow.StateClarification: "Заявителю уже задан вопрос.",
	workflow.StateOnApproval:    "Проект ответа уже на согласовании.",
	workflow.StateAnswered:      "Уже утверждено.",
	workflow.StateClosed:        "Обращение уже закрыто.",
	workflow.StateRejected:      "Уже отклонено.",
	workflow.StateRedirected:    "Уже переадресовано.",
	workflow.StateWithdrawn:     "Заявитель отозвал обращение.",
}

// Texts of the registration of appeals from other channels.
const (
	TextRegisterTriageOnly = "Регистрировать обращения из других каналов можно в чате сортировки."
	TextRegisterKind       = "Новое обращение из другого канала. Что это?"
	TextRegisterSource     = "Откуда оно пришло?"
	TextRegisterText       = "%s, пришлите текст обращения ответом на это сообщение."
	TextRegisterName       = "%s, как зовут заявителя? Ответьте на это сообщение («-», если неизвестно)."
	TextRegisterContact    = "%s, как связаться с заявителем (телефон, e-mail, адрес)? Ответьте на это сообщение («-», если неизвестно)."
	TextRegisterDirection  = "К какому направлению относится обращение?"
	TextRegisterReceived   = "%s, когда обращение поступило? Дата ДД.ММ.ГГГГ в ответ на это сообщение («-», если сегодня). Зарегистрировать его нужно в течение 3 дней (ч. 2 ст. 8 59-ФЗ)."
	TextRegisterBadDate    = "Не понимаю дату. Напишите её как 05.03.2026 (не позже сегодняшней) или «-», если обращение поступило сегодня."
	TextRegistered         = "Зарегистрировано: № %s (%s), ответ до %s."
	TextRegisterSummary    = "Регистрация: %s, источник — %s."
)

// kindChoices are the kinds an operator registers, in the order offered.
var kindChoices = []workflow.Kind{workflow.KindAppeal59, workflow.KindIncident, workflow.KindMessage}

// sourceChoices are the other channels, in the order offered.
var sourceChoices = []workflow.Source{workflow.SourcePOS, workflow.SourceSocial, workflow.SourcePhone, workflow.SourceInPerson, workflow.SourceEmail}

// Captions of files sent beside a card or a message.
const (
	TextAppealFiles = "№ %s: вложения заявителя"
	TextReplyFiles  = "№ %s: фото от заявителя к ответу на вопрос"
)

// A draft sent as an album.
const (
	BtnDraftSend       = "Отправить проект"
	TextDraftAlbumKept = "Фото добавлены к проекту. Когда пришлёте все фото с подписью-текстом, нажмите «Отправить проект»."
	TextDraftNeedsText = "Нужен текст проекта: подпишите фото или ответьте текстом на сообщение бота."
	TextDraftNothing   = "Этот проект уже отправлен или отменён."
)

// cardText is the text of an appeal's card for the chat of m: number,
// kind, direction, state, deadline, executor, the text, attachments, the
// draft or answer, the latest history; and where the appeal went when the
// chat is no longer its own.
func cardText(m CardView, directions map[string]string, loc *time.Location, now time.Time) string {
	a := m.Appeal
	var b strings.Builder
	fmt.Fprintf(&b, "№ %s · %s\n", a.Number(), kindNames[a.Kind])
	dir := DirectionName(a.Direction, directions)
	fmt.Fprintf(&b, "Направление: %s\n", dir)
	fmt.Fprintf(&b, "Статус: %s\n", stateNames[a.State])
	if !a.DueAt.IsZero() {
		fmt.Fprintf(&b, "Срок: %s", FormatDue(a.DueAt, loc))
		if a.Overdue(now) {
			fmt.Fprintf(&b, " — просрочено на %d дн.", daysLate(a.DueAt, now))
		}
		if a.Extended {
			b.WriteString(" (продлён)")
		}
		b.WriteString("\n")
	}
	if a.ExecutorID != 0 {
		fmt.Fprintf(&b, "Исполнитель: %s\n", NameOr(m.ExecutorName, a.ExecutorID))
	}
	if a.Source != workflow.SourceBot {
		fmt.Fprintf(&b, "Источник: %s\n", sourceNames[a.Source])
	}
	if m.ContactName != "" || m.Contact != "" {
		fmt.Fprintf(&b, "Заявитель: %s\n", strings.Join(nonEmpty(m.ContactName, m.Contact), ", "))
	}
	if !a.ReceivedAt.IsZero() {
		b.WriteString(receivedLine(a, loc))
	}
	b.WriteString("\n")
	b.WriteString(Shorten(AppealText(a), cardTextRunes))
	b.WriteString("\n")
	if a.Address != "" {
		fmt.Fprintf(&b, "\nАдрес: %s\n", a.Address)
	}
	if n := len(a.Attachments); n > 0 || a.Location != nil {
		var parts []string
		if n > 0 {
			parts = append(parts, fmt.Sprintf("фото: %d", n))
		}
		if a.Location != nil {
			parts = append(parts, "место на карте")
		}
		fmt.Fprintf(&b, "Вложения над карточкой — %s\n", strings.Join(parts, ", "))
	}
	if m.Similar.Count > 0 {
		b.WriteString(similarLine(m.Similar))
	}
	switch {
	case a.Answer != "" && !a.State.Open():
		fmt.Fprintf(&b, "\nОтвет:\n%s\n", Shorten(a.Answer, cardDraftRunes))
	case a.Draft != "" && a.State == workflow.StateOnApproval:
		fmt.Fprintf(&b, "\nПроект ответа:\n%s\n", Shorten(a.Draft, cardDraftRunes))
	case a.Draft != "" && a.State.Open():
		fmt.Fprintf(&b, "\nПрежний проект ответа (возвращён):\n%s\n", Shorten(a.Draft, cardDraftRunes))
	}
	if n := len(m.DraftAttachments); n > 0 && a.Draft != "" {
		if a.Answer != "" && !a.State.Open() {
			fmt.Fprintf(&b, "Фото к ответу: %d\n", n)
		} else {
			fmt.Fprintf(&b, "Фото к проекту: %d\n", n)
		}
	}
	if a.Reason != "" && (a.State == workflow.StateRejected || a.State == workflow.StateRedirected) {
		label := "Причина"
		if a.State == workflow.StateRedirected {
			label = "Переадресовано в"
		}
		fmt.Fprintf(&b, "\n%s: %s\n", label, a.Reason)
	}
	if len(m.History) > 0 {
		b.WriteString("\nИстория:\n")
		for _, e := range m.History {
			fmt.Fprintf(&b, "%s %s\n", e.At.In(loc).Format("02.01 15:04"), HistoryLine(e, directions, loc))
		}
	}
	if !CardBelongs(a, m.ChatDirection) {
		fmt.Fprintf(&b, "\nПередано: %s", dir)
	}
	return Shorten(strings.TrimRight(b.String(), "\n"), MaxMessageRunes)
}

// similarLine is the card's line about the similar open appeals: «Похоже
// на № 2026-000123 (ул. Ленина, 5; 12 похожих)».
func similarLine(s Similar) string {
	if s.IncidentID != 0 {
		return incidentSimilarLine(s) // texts_incident.go
	}
	count := fmt.Sprintf("%d %s", s.Count, plural(s.Count, "похожее", "похожих", "похожих"))
	if s.Address != "" {
		return fmt.Sprintf("Похоже на № %s (%s; %s)\n", s.Number, s.Address, count)
	}
	return fmt.Sprintf("Похоже на № %s (%s)\n", s.Number, count)
}

// HistoryLine is one event of a card's or /history's list, without the
// time: what happened and who did it.
func HistoryLine(e workflow.CardEvent, directions map[string]string, loc *time.Location) string {
	s := eventNames[e.Event]
	if s == "" {
		s = string(e.Event)
	}
	p := e.Payload
	switch e.Event {
	case workflow.EventRoute, workflow.EventReroute:
		s += ": " + DirectionName(p.Direction, directions)
	case workflow.EventReturn, workflow.EventReject:
		s += ": " + Shorten(p.Reason, 80)
	case workflow.EventResidentCommented:
		s += ": " + Shorten(p.Text, 80)
	case workflow.EventRedirect:
		s += ": " + Shorten(p.Authority, 80)
	case workflow.EventExtend:
		if due, err := time.Parse(time.RFC3339, p.DueAt); err == nil {
			s += " до " + FormatDate(due, loc)
		}
	case workflow.EventRate:
		s += fmt.Sprintf(": %d", p.Rating)
	case workflow.EventJoinIncident:
		s += " «" + Shorten(p.Text, 80) + "»"
	case workflow.EventLeaveIncident:
		s += leaveReason(p.Reason) // texts_incident.go
	}
	switch e.Actor.Kind {
	case workflow.ActorStaff:
		s += " — " + NameOr(e.ActorName, e.Actor.UserID)
	case workflow.ActorResident:
		s += " — заявитель"
	}
	return s
}

// Labels of a card's buttons.
const (
	btnRoute    = "Направить"
	btnTake     = "Взять в работу"
	btnAsk      = "Вопрос жителю"
	btnDraft    = "Подготовить ответ"
	btnApprove  = "Утвердить"
	btnReturn   = "Вернуть"
	btnReroute  = "Перенаправить"
	btnExtend   = "Продлить срок"
	btnReject   = "Отклонить"
	btnRedirect = "Переадресовать"
	btnShowFull = "Показать полностью"
)

// Small pieces of staff texts.
const (
	TextTopicSuffix     = ", тема %d"
	TextChatByID        = "чат %d"
	TextBindingLine     = "• %s — %s"
	textTriageDirection = "не определено (сортировка)"
	TextColleague       = "Коллега"
	BtnExtendBy         = "на %s"
	TextRegisteredBy    = "внесено оператором (%s) — %s"
)

// KindName is a kind of appeal in words.
func KindName(k workflow.Kind) string { return kindNames[k] }

// RoleName is a staff role in words.
func RoleName(r workflow.Role) string { return roleNames[r] }

// SourceName is the channel an appeal came by, in words.
func SourceName(s workflow.Source) string { return sourceNames[s] }

// ConflictText says what happened to an appeal now in state s, for a
// press that lost a race; ok is false when there is nothing particular to
// say.
func ConflictText(s workflow.State) (text string, ok bool) {
	text, ok = conflictTexts[s]
	return text, ok
}

// ReturnReasons are the reasons offered for returning a draft.
func ReturnReasons() []Reason { return slices.Clone(returnReasons) }

// RejectReasons are the grounds offered for rejecting an appeal (59-ФЗ
// art. 11).
func RejectReasons() []Reason { return slices.Clone(rejectReasons) }

// ResidentCommands is the command menu in private chats.
func ResidentCommands() []tele.Command { return slices.Clone(residentCommands) }

// StaffCommands is the command menu in groups.
func StaffCommands() []tele.Command { return slices.Clone(staffCommands) }

// KindChoices are the kinds /register offers, in order.
func KindChoices() []workflow.Kind { return slices.Clone(kindChoices) }

// SourceChoices are the channels /register offers, in order.
func SourceChoices() []workflow.Source { return slices.Clone(sourceChoices) }

// receivedLine says when an appeal from another channel was received and,
// when it was registered later than 59-ФЗ allows (3 days, art. 8 p. 2),
// that this is a violation.
func receivedLine(a *workflow.Appeal, loc *time.Location) string {
	line := "Поступило: " + FormatDate(a.ReceivedAt, loc)
	if a.RegisteredAt.IsZero() {
		return line + "\n"
	}
	if n := workflow.RegistrationDelay(a.ReceivedAt, a.RegisteredAt, loc); n > workflow.RegistrationDays {
		line += fmt.Sprintf(" — ⚠️ зарегистрировано через %s, позже 3 дней (ч. 2 ст. 8 59-ФЗ)", Days(n))
	}
	return line + "\n"
}

// The list of new cards in a chat that cannot keep up (cardlist.go).
const (
	textCardListWhy = "Новых обращений больше, чем Telegram позволяет быстро показать в группе, поэтому они собраны в список. Нажмите номер, чтобы открыть карточку с фото."
	// TextCardPosted answers a press of a list's button whose card is in
	// the chat already.
	TextCardPosted = "Карточка этого обращения уже в чате."
)

// cardListTitle is the first line of a list of n new cards in the chat
// of the direction named chat ("" for the triage chat).
func cardListTitle(chat string, n int) string {
	if chat == "" {
		return fmt.Sprintf("Новые обращения на распределение: %d", n)
	}
	return fmt.Sprintf("Новые обращения по направлению «%s»: %d", chat, n)
}

// /forget: an admin erases the personal data of an appeal's author.
const (
	TextForgetUsage = "Формат: /forget 2026-000017 — удалить персональные данные заявителя этого обращения " +
		"(имя, телефон, чат, тексты, фото, адреса всех его обращений), например по его письменному отзыву согласия. " +
		"Номера и статистика останутся."
	TextForgetStaffOpen = "У автора обращения № %s есть нерассмотренные обращения: %s. " +
		"Удалить данные можно, когда они рассмотрены; житель может и сам отозвать согласие в боте командой /privacy — тогда они будут отозваны."
	TextForgetStaffAlready = "Персональные данные автора обращения № %s уже удалены."
	TextForgetStaffDone    = "Персональные данные автора обращения № %s удалены; обращений без персональных данных: %d."
)
