Feature: Approval route map
  A document (a commercial proposal, a contract, a discount) goes to its approvers, all at once or one after
  another. Each approver approves, rejects or sends it back for revision; a revised document goes round
  again. An approver who misses the deadline (8 working hours) is replaced by the author's department head.

  Background:
    Given the shipped route maps are deployed

  Scenario: Approvers decide at the same time and both approve
    When Mary sends the contract "Supply contract 12/24" to Helen and Oleg all at once
    Then Helen has the task "Approve the document"
    And Oleg has the task "Approve the document"
    When Helen completes "Approve the document" with
      | decision | approve |
    And Oleg completes "Approve the document" with
      | decision | approve |
    Then the approval result is "approved"
    And the route map has finished

  Scenario: Approvers decide one after another and the second rejects
    When Mary sends the contract "Supply contract 12/24" to Oleg and Helen one after another
    Then Oleg has the task "Approve the document"
    And Helen does not have the task "Approve the document" yet
    When Oleg completes "Approve the document" with
      | decision | approve |
    Then Helen has the task "Approve the document"
    When Helen completes "Approve the document" with
      | decision | reject                 |
      | comment  | Penalty clause missing |
    Then the approval result is "rejected"
    And the route map has finished

  Scenario: A document sent back for revision goes round again
    When Mary sends the contract "Supply contract 12/24" to Helen and Oleg all at once
    And Helen completes "Approve the document" with
      | decision | revise               |
      | comment  | Add a delivery date  |
    And Oleg completes "Approve the document" with
      | decision | approve |
    Then Mary has the task "Revise the document"
    When Mary completes "Revise the document" with
      | changes | Delivery by 20 January |
    Then Helen has the task "Approve the document"
    And Oleg has the task "Approve the document"
    When Helen completes "Approve the document" with
      | decision | approve |
    And Oleg completes "Approve the document" with
      | decision | approve |
    Then the approval result is "approved" after 2 rounds

  Scenario: An approver misses the deadline and the department head decides
    When Mary sends the contract "Supply contract 12/24" to Oleg and Helen one after another
    And 8 working hours pass
    Then the task "Approve the document" is no longer open
    And Helen has the task "Decide for the late approver"
    When Helen completes "Decide for the late approver" with
      | decision | approve |
    Then Helen has the task "Approve the document"
    When Helen completes "Approve the document" with
      | decision | approve |
    Then the approval result is "approved"
    And the late decision is marked late
