package bot

import (
	"fmt"
	"time"

	"mcu/workflow"
)

const textGreeting = "Здравствуйте! Это бот Муниципального центра управления. " +
	"Здесь можно сообщить о проблеме в районе: ЖКХ, благоустройство, социальные вопросы и другое.\n\n" +
	"Команды: /new — новое сообщение, /my — мои сообщения, /help — справка."

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
