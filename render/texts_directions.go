package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"mcu/workflow"
)

// What an admin sees of directions and deadline rules: /directions,
// /direction and /deadline.

const (
	TextDirectionUsage = "Направления:\n" +
		"/direction add <код> <название> — новое направление\n" +
		"/direction rename <код> <название> — переименовать\n" +
		"/direction off <код> — выключить (жители его не выбирают), /direction on <код> — включить снова\n" +
		"Код — латиница, цифры и _, от 2 до 32 знаков, с буквы: например, transport."
	TextDeadlineUsage = "Сроки ответа:\n" +
		"/deadline <вид> <число> <workdays|days|hours> — срок вида по умолчанию\n" +
		"/deadline <вид> <код> <число> <workdays|days|hours> — срок вида в направлении\n" +
		"/deadline <вид> <код> default — срок направления как по умолчанию\n" +
		"Виды: message — сообщение, appeal59 — обращение (59-ФЗ), incident — инцидент. " +
		"Новый срок получают обращения, зарегистрированные после изменения."
	TextDirectionAdded    = "Направление «%s» (%s) добавлено: жители видят его в списке, чат привязывается командой /bind %s."
	TextDirectionRenamed  = "Направление %s теперь называется «%s»."
	TextDirectionOff      = "Направление %s выключено: жители его больше не выбирают."
	TextDirectionOn       = "Направление %s снова включено."
	TextDirectionHasOpen  = "У направления %s есть незакрытые обращения (%d): перенаправьте их или дождитесь, пока они закроются."
	TextDirectionBadCode  = "Код направления — латиница, цифры и _, от 2 до 32 знаков, с буквы (например, transport); triage, head, leader, channel и direction заняты."
	TextDirectionBadName  = "Название направления — от 1 до 100 знаков."
	TextDirectionUnknown  = "Направления %s нет: список — /directions."
	TextDirectionTaken    = "Направление с кодом %s уже есть: переименовать — /direction rename %[1]s <название>."
	TextDeadlineSet       = "Срок ответа: %s%s — %s. Его получат обращения, зарегистрированные с этой минуты."
	TextDeadlineDropped   = "Направление %s: срок вида «%s» теперь как по умолчанию."
	TextDeadlineNoOwn     = "У направления %s нет своего срока вида «%s»."
	TextDeadlineBad       = "Срок — целое число: рабочих дней (workdays) от 1 до 60, дней (days) от 1 до 90 или часов (hours) от 1 до 720."
	TextDeadline59        = "Обращению по 59-ФЗ отвечают не позже 30 дней со дня регистрации (ст. 12): срок задаётся в днях (days, до 30) или часах (hours)."
	TextDeadlineBadKind   = "Вид — message, appeal59 или incident."
	textDirectionsTitle   = "Направления (код — название):"
	textDirectionOffMark  = " (выключено)"
	textDeadlinesDefaults = "Сроки ответа по умолчанию:"
)

// DirectionsText is /directions: every direction by its code, those
// turned off marked, with the deadlines of its own; the kinds' default
// deadlines; and how to change them.
func DirectionsText(dirs []workflow.Direction, rules []workflow.DeadlineSetting) string {
	var b strings.Builder
	b.WriteString(textDirectionsTitle + "\n")
	for _, d := range dirs {
		fmt.Fprintf(&b, "• %s — %s", d.Code, d.Name)
		if !d.Active {
			b.WriteString(textDirectionOffMark)
		}
		for _, r := range rules {
			if r.Direction == d.Code {
				fmt.Fprintf(&b, "; %s: %s", KindNameLower(r.Kind), DeadlineText(r.Rule))
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + textDeadlinesDefaults + "\n")
	for _, r := range rules {
		if r.Direction == "" {
			fmt.Fprintf(&b, "• %s (%s): %s\n", kindNames[r.Kind], r.Kind, DeadlineText(r.Rule))
		}
	}
	return b.String() + "\n" + TextDirectionUsage + "\n\n" + TextDeadlineUsage
}

// DeadlineSetText confirms a deadline set for kind in direction (its
// name, "" for the default).
func DeadlineSetText(kind workflow.Kind, direction string, r workflow.DeadlineRule) string {
	where := ""
	if direction != "" {
		where = ", направление " + direction
	}
	return fmt.Sprintf(TextDeadlineSet, KindNameLower(kind), where, DeadlineText(r))
}

// KindNameLower is a kind in words, begun in lower case: «сообщение»,
// «обращение (59-ФЗ)».
func KindNameLower(k workflow.Kind) string {
	name := kindNames[k]
	r, n := utf8.DecodeRuneInString(name)
	return string(unicode.ToLower(r)) + name[n:]
}
