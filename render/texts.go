package render

import (
	"fmt"
	"strings"
	"time"

	"mcu/workflow"
)

// All Russian text people see lives in the texts*.go files, so that
// wording is reviewed in one place. Go constants rather than a
// message catalogue: there is one language, and the compiler catches a
// missing text.

// The texts are a catalogue of three files: texts.go (shared),
// texts_resident.go (what residents see) and texts_staff.go (what staff
// see).

const (
	TextInternalError = "Что-то пошло не так. Попробуйте ещё раз чуть позже."
	TextForbidden     = "Недостаточно прав."
	TextNotFound      = "Не найдено."
	TextConflict      = "Обращение уже изменено другим сотрудником. Карточка обновлена."
	TextInvalid       = "Это действие сейчас недоступно."
	TextLimited       = "Слишком много сообщений. Попробуйте ещё раз позже."
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

// TextForgottenContent stands for the text of an appeal erased with its
// author's personal data (workflow.Appeal.Forgotten).
const TextForgottenContent = "[удалено: персональные данные заявителя]"

// NumberList names appeals by number: «№ 2026-000002, № 2026-000001».
func NumberList(appeals []*workflow.Appeal) string {
	nums := make([]string, len(appeals))
	for i, a := range appeals {
		nums[i] = "№ " + a.Number()
	}
	return strings.Join(nums, ", ")
}

// AppealText is an appeal's text as staff and residents see it.
func AppealText(a *workflow.Appeal) string {
	if a.Forgotten {
		return TextForgottenContent
	}
	return a.Text
}

// FormatDate formats a date as 11.12.2026 in loc.
func FormatDate(t time.Time, loc *time.Location) string {
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

// Days formats a number of days: «1 день», «2 дня», «5 дней».
func Days(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "день", "дня", "дней")) }
