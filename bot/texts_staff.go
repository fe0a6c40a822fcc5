package bot

import (
	"fmt"

	"mcu/workflow"
)

// chatNotice is what a direction or triage chat is told besides the card.
func chatNotice(a *workflow.Appeal, n workflow.Notification) string {
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
	case workflow.EventWithdraw:
		return fmt.Sprintf("№ %s: заявитель отозвал сообщение.", num)
	}
	return ""
}
