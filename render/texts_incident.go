package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/workflow"
)

// Callbacks of the incident buttons. On an appeal's card the data is
// "<appeal id>|<version>"; on an incident's card "<incident id>|<version>".
const (
	UniqueIncidentMake    = "inc_make"  // «Сделать инцидентом»
	UniqueIncidentJoin    = "inc_join"  // «Объединить»
	UniqueIncidentLeave   = "inc_leave" // «Отделить»
	UniqueIncidentDraft   = "inc_draft" // «Подготовить ответ» on an incident's card
	UniqueIncidentTerm    = "inc_term"  // «Изменить срок»
	UniqueIncidentApprove = "inc_ok"    // «Утвердить»
	UniqueIncidentReturn  = "inc_ret"   // «Вернуть»
	// UniqueIncidentNewTerm is a term chosen for an incident being made:
	// "<appeal id>|<version>|<choice>".
	UniqueIncidentNewTerm = "inc_nt"
	// UniqueIncidentSetTerm is a new term of an incident:
	// "<incident id>|<version>|<choice>".
	UniqueIncidentSetTerm = "inc_t"
	// UniqueIncidentDraftSend sends an incident's answer collected from an
	// album: "<incident id>".
	UniqueIncidentDraftSend = "inc_send"
)

// Labels of the incident buttons.
const (
	btnIncidentMake  = "Сделать инцидентом"
	btnIncidentJoin  = "Объединить"
	btnIncidentLeave = "Отделить"
	btnIncidentTerm  = "Изменить срок"
)

// Texts of the incident prompts, menus and answers.
const (
	TextPromptIncidentTitle = "%s, название инцидента по № %s — коротко, что и где (например: «Нет отопления, ул. Ленина 1–15»):"
	TextPromptIncidentJoin  = "%s, № %s и № %s будут объединены в новый инцидент. Название — коротко, что и где (например: «Нет отопления, ул. Ленина 1–15»):"
	TextChooseIncidentTerm  = "Ожидаемый срок устранения для инцидента «%s»?"
	TextPromptIncidentDraft = "%s, ответ всем заявителям инцидента «%s» (текст; фото — по желанию, с подписью-текстом или до него):"
	TextPromptIncidentRet   = "%s, почему ответ по инциденту «%s» возвращается?"
	TextIncidentNoSimilar   = "Похожих открытых обращений уже нет."
	TextIncidentTitleEmpty  = "Напишите название инцидента текстом."
	TextIncidentDraftEmpty  = "Напишите ответ текстом."
	TextIncidentMade        = "Инцидент «%s» создан: обращений — %d."
	TextIncidentDraftSent   = "Ответ по инциденту «%s» отправлен на утверждение."
	TextIncidentApproved    = "Ответ утверждён и отправлен заявителям: %d."
	TextIncidentGone        = "Инцидент уже изменился — откройте его карточку заново."
)

// TermLabel is a term choice as its button says it.
func TermLabel(choice string) string {
	switch choice {
	case workflow.TermNone:
		return "Без срока"
	case workflow.TermToday:
		return "Сегодня 18:00"
	case workflow.TermTomorrow:
		return "Завтра 18:00"
	case workflow.TermIn3Days:
		return "Через 3 дня"
	}
	return choice
}

// incidentStateNames are an incident's states in words.
var incidentStateNames = map[workflow.IncidentState]string{
	workflow.IncidentOpen:       "в работе",
	workflow.IncidentOnApproval: "ответ на согласовании",
	workflow.IncidentAnswered:   "ответ дан",
}

// FormatTerm is an incident's expected time in words: «03.03.2026 18:00»,
// or «не указан».
func FormatTerm(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "не указан"
	}
	return t.In(loc).Format("02.01.2006 15:04")
}

// IncidentCardView is what an incident's card shows.
type IncidentCardView struct {
	Incident *workflow.Incident
	Appeals  []IncidentAppeal // oldest first
}

// IncidentAppeal is an appeal as its incident's card lists it.
type IncidentAppeal struct {
	Number  string
	Address string
	State   workflow.State
}

// How many addresses and numbers an incident's card names before «и ещё N».
const (
	incidentAddresses = 5
	incidentNumbers   = 10
)

// IncidentCard renders an incident's card: the title, the state, the
// expected time, how many appeals it gathers and from where, their
// numbers, the draft or the answer; and its buttons.
func IncidentCard(v IncidentCardView, directions map[string]string, loc *time.Location) (string, *tele.ReplyMarkup) {
	inc := v.Incident
	var b strings.Builder
	fmt.Fprintf(&b, "Инцидент «%s»\n", inc.Title)
	fmt.Fprintf(&b, "Направление: %s\n", DirectionName(inc.Direction, directions))
	fmt.Fprintf(&b, "Статус: %s\n", incidentStateNames[inc.State])
	fmt.Fprintf(&b, "Ожидаемый срок: %s\n", FormatTerm(inc.ExpectedAt, loc))
	n := len(v.Appeals)
	fmt.Fprintf(&b, "Обращений: %d\n", n)
	var addrs []string
	seen := map[string]bool{}
	for _, a := range v.Appeals {
		if a.Address != "" && !seen[a.Address] {
			seen[a.Address] = true
			addrs = append(addrs, a.Address)
		}
	}
	if len(addrs) > 0 {
		fmt.Fprintf(&b, "Адреса: %s\n", firstFew(addrs, incidentAddresses))
	}
	if n > 0 {
		nums := make([]string, n)
		for i, a := range v.Appeals {
			nums[i] = "№ " + a.Number
		}
		fmt.Fprintf(&b, "Номера: %s\n", firstFew(nums, incidentNumbers))
	}
	switch {
	case inc.State == workflow.IncidentAnswered:
		fmt.Fprintf(&b, "\nОтвет:\n%s\n", Shorten(inc.Answer, cardDraftRunes))
	case inc.State == workflow.IncidentOnApproval:
		fmt.Fprintf(&b, "\nПроект ответа:\n%s\n", Shorten(inc.Draft, cardDraftRunes))
	case inc.Returned != "":
		fmt.Fprintf(&b, "\nПроект возвращён: %s\n", inc.Returned)
	}
	if n := len(inc.DraftFiles); n > 0 && inc.State != workflow.IncidentOpen {
		fmt.Fprintf(&b, "Фото к ответу: %d\n", n)
	}
	return Shorten(strings.TrimRight(b.String(), "\n"), MaxMessageRunes), incidentKeyboard(inc)
}

// firstFew joins the first n of list and counts the rest: «a, b и ещё 3».
func firstFew(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, "; ")
	}
	return fmt.Sprintf("%s и ещё %d", strings.Join(list[:n], "; "), len(list)-n)
}

// incidentKeyboard is the buttons of an incident's card in its state;
// whether the presser may press them is checked at the press.
func incidentKeyboard(inc *workflow.Incident) *tele.ReplyMarkup {
	data := strconv.FormatInt(inc.ID, 10) + "|" + strconv.Itoa(inc.Version)
	btn := func(unique, label string) tele.InlineButton {
		return tele.InlineButton{Unique: unique, Text: label, Data: data}
	}
	m := &tele.ReplyMarkup{}
	switch inc.State {
	case workflow.IncidentOpen:
		m.InlineKeyboard = [][]tele.InlineButton{{btn(UniqueIncidentDraft, btnDraft), btn(UniqueIncidentTerm, btnIncidentTerm)}}
	case workflow.IncidentOnApproval:
		m.InlineKeyboard = [][]tele.InlineButton{
			{btn(UniqueIncidentApprove, btnApprove), btn(UniqueIncidentReturn, btnReturn)},
			{btn(UniqueIncidentTerm, btnIncidentTerm)},
		}
	}
	return m
}

// incidentButtons are the incident buttons of a live appeal card:
// «Сделать инцидентом», and «Объединить» when the card says «Похоже на…»,
// when the workflow allows joining the appeal (its state, no incident yet).
func incidentButtons(m CardView, now time.Time) []tele.InlineButton {
	a := m.Appeal
	if m.ChatDirection == "" {
		return nil
	}
	if _, ok := workflow.Next(a.State, workflow.EventJoinIncident); !ok || workflow.Guard(a, workflow.EventJoinIncident, now) != nil {
		return nil
	}
	data := strconv.FormatInt(a.ID, 10) + "|" + strconv.Itoa(a.Version)
	out := []tele.InlineButton{{Unique: UniqueIncidentMake, Text: btnIncidentMake, Data: data}}
	if m.Similar.Count > 0 {
		out = append(out, tele.InlineButton{Unique: UniqueIncidentJoin, Text: btnIncidentJoin, Data: data})
	}
	return out
}

// joinedCardText is the one line an appeal's card collapses into once the
// appeal is joined to an incident.
func joinedCardText(m CardView, directions map[string]string) string {
	a := m.Appeal
	s := fmt.Sprintf("№ %s — в инциденте «%s»", a.Number(), Shorten(m.Incident.Title, 100))
	if a.Address != "" {
		s += "\nАдрес: " + a.Address
	}
	if !a.State.Open() {
		s += "\nСтатус: " + stateNames[a.State]
	}
	if !CardBelongs(a, m.ChatDirection) {
		s += "\nПередано: " + DirectionName(a.Direction, directions)
	}
	return s
}

// joinedKeyboard is «Отделить» under a joined appeal's card, while the
// appeal is open.
func joinedKeyboard(a *workflow.Appeal) [][]tele.InlineButton {
	if _, ok := workflow.Next(a.State, workflow.EventLeaveIncident); !ok {
		return nil
	}
	data := strconv.FormatInt(a.ID, 10) + "|" + strconv.Itoa(a.Version)
	return [][]tele.InlineButton{{{Unique: UniqueIncidentLeave, Text: btnIncidentLeave, Data: data}}}
}

// incidentSimilarLine is the card's line about an open incident of
// similar appeals: «Похоже на инцидент «…» (12 обращений)».
func incidentSimilarLine(s Similar) string {
	return fmt.Sprintf("Похоже на инцидент «%s» (%d %s)\n", Shorten(s.IncidentTitle, 100),
		s.IncidentCount, plural(s.IncidentCount, "обращение", "обращения", "обращений"))
}

// leaveReason says why an appeal left its incident, for its history: the
// event that took it out (reason), or nothing for «Отделить».
func leaveReason(reason string) string {
	switch workflow.Event(reason) {
	case workflow.EventReopen:
		return " (заявитель: проблема не решена)"
	case workflow.EventReroute:
		return " (перенаправлено)"
	case workflow.EventReject, workflow.EventRedirect, workflow.EventWithdraw:
		return " (обращение закрыто)"
	}
	return ""
}

// incidentResidentText is what the resident is told of the incident their
// appeal is in: that it joined one, or that its expected time changed.
func incidentResidentText(a *workflow.Appeal, n workflow.Notification, loc *time.Location) string {
	term := ""
	if due, err := time.Parse(time.RFC3339, n.Input.DueAt); err == nil {
		term = FormatTerm(due, loc)
	}
	switch n.Event {
	case workflow.EventJoinIncident:
		s := fmt.Sprintf("Мы уже знаем об этой проблеме и работаем над ней: %s.", n.Input.Text)
		if term != "" {
			s += " Ожидаемый срок: " + term + "."
		}
		return s + fmt.Sprintf("\n\nВаше сообщение № %s учтено, ответ придёт сюда.", a.Number())
	case workflow.EventIncidentTerm:
		if !a.State.Open() {
			return ""
		}
		if term == "" {
			return fmt.Sprintf("По проблеме «%s» (сообщение № %s) срок пока не определён. Мы сообщим, когда она будет решена.", n.Input.Text, a.Number())
		}
		return fmt.Sprintf("По проблеме «%s» (сообщение № %s) новый ожидаемый срок: %s.", n.Input.Text, a.Number(), term)
	}
	return ""
}
