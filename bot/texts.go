package bot

import (
	"fmt"
	"time"

	"mcu/workflow"
)

// All Russian text people see lives in this file and card.go's layout, so
// that wording is reviewed in one place. Go constants rather than a
// message catalogue: there is one language, and the compiler catches a
// missing text.

const (
	textGreeting = "Здравствуйте! Это бот Муниципального центра управления. " +
		"Здесь можно сообщить о проблеме в районе: ЖКХ, благоустройство, социальные вопросы и другое.\n\n" +
		"Команды: /new — новое сообщение, /my — мои сообщения, /help — справка."
	textInternalError = "Что-то пошло не так. Попробуйте ещё раз чуть позже."
	textForbidden     = "Недостаточно прав."
	textNotFound      = "Не найдено."
	textConflict      = "Обращение уже изменено другим сотрудником. Карточка обновлена."
	textInvalid       = "Это действие сейчас недоступно."
	textLimited       = "Слишком много сообщений. Попробуйте ещё раз позже."
)

// stateNames are the states in words, as residents and staff see them.
var stateNames = map[workflow.State]string{
	workflow.StateReceived:      "получено",
	workflow.StateRegistered:    "зарегистрировано",
	workflow.StateAssigned:      "передано исполнителю",
	workflow.StateInProgress:    "в работе",
	workflow.StateClarification: "ждём уточнения от заявителя",
	workflow.StateOnApproval:    "ответ на согласовании",
	workflow.StateAnswered:      "дан ответ",
	workflow.StateClosed:        "закрыто",
	workflow.StateReopened:      "возобновлено",
	workflow.StateRejected:      "отклонено",
	workflow.StateRedirected:    "переадресовано",
	workflow.StateWithdrawn:     "отозвано заявителем",
}

// kindNames are the kinds of appeal in words.
var kindNames = map[workflow.Kind]string{
	workflow.KindMessage:  "Сообщение",
	workflow.KindAppeal59: "Обращение (59-ФЗ)",
	workflow.KindIncident: "Инцидент",
}

// formatDate formats a date as 11.12.2026 in loc.
func formatDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("02.01.2006")
}

// plural picks the Russian plural form for n: plural(2, "день", "дня",
// "дней") is "дня".
func plural(n int, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch {
	case n%10 == 1 && n%100 != 11:
		return one
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return few
	}
	return many
}

// days formats a number of days: «1 день», «2 дня», «5 дней».
func days(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "день", "дня", "дней")) }

// residentText is what the resident is told about a change of their
// appeal, or "" when the change is not worth a message.
func residentText(a *workflow.Appeal, n workflow.Notification, loc *time.Location) string {
	num := a.Number()
	switch n.Event {
	case workflow.EventRegister:
		return fmt.Sprintf("Сообщение зарегистрировано, № %s, ответ до %s.", num, formatDate(a.DueAt, loc))
	case workflow.EventTake:
		return fmt.Sprintf("Сообщение № %s взято в работу.", num)
	case workflow.EventAskResident:
		return fmt.Sprintf("По сообщению № %s у сотрудника вопрос:\n\n%s", num, n.Input.Text)
	case workflow.EventApprove:
		return fmt.Sprintf("Ответ на сообщение № %s:\n\n%s", num, a.Answer)
	case workflow.EventExtend:
		return fmt.Sprintf("Срок ответа на сообщение № %s продлён до %s. Причина: %s",
			num, formatDate(a.DueAt, loc), n.Input.Reason)
	case workflow.EventReject:
		return fmt.Sprintf("Сообщение № %s оставлено без ответа по существу. Причина: %s", num, n.Input.Reason)
	case workflow.EventRedirect:
		return fmt.Sprintf("Сообщение № %s направлено по компетенции: %s.", num, n.Input.Authority)
	}
	return ""
}

// chatNotice is what a direction or triage chat is told besides the card.
func chatNotice(a *workflow.Appeal, n workflow.Notification) string {
	num := a.Number()
	switch n.Event {
	case workflow.EventReturn:
		return fmt.Sprintf("№ %s: черновик возвращён на доработку. Причина: %s", num, n.Input.Reason)
	case workflow.EventResidentReplied:
		return fmt.Sprintf("№ %s: заявитель ответил на вопрос:\n\n%s", num, n.Input.Text)
	case workflow.EventReopen:
		return fmt.Sprintf("№ %s: заявитель сообщил, что проблема не решена. Обращение возобновлено.", num)
	case workflow.EventWithdraw:
		return fmt.Sprintf("№ %s: заявитель отозвал сообщение.", num)
	}
	return ""
}
