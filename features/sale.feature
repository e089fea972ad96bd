Feature: Sale route map
  A sales manager takes an interest from qualification to a won or lost deal. At each decision she picks a
  variant; the interest's stage follows the route map, a large discount goes to the approvers, and an idle
  interest reminds her.

  Background:
    Given the shipped route maps are deployed
    And Mary's client "Romashka" has the interest "Office furniture" for 480000
    And the sale route map starts for the interest

  Scenario: A qualified interest is won on standard terms
    Then the interest is at the stage "qualification"
    And Mary has the task "Qualify the interest"
    When Mary completes "Qualify the interest" with
      | verdict | qualified |
    Then the interest is at the stage "needs"
    When Mary completes "Identify the needs" with
      | needs   | Chairs for 40 people |
      | verdict | proposal             |
    Then the interest is at the stage "proposal"
    When Mary completes "Prepare the commercial proposal" with
      | amount           | 480000 |
      | discount_percent | 5      |
    Then the interest is at the stage "negotiation"
    When Mary completes "Negotiate" with
      | outcome | won |
    Then the interest is closed as "won"
    And the Feed of the interest shows the variants "Qualified, Make a proposal, Standard terms, Won"
    And the route map has finished

  Scenario: Not a target client
    When Mary completes "Qualify the interest" with
      | verdict     | not_target              |
      | lost_reason | Sells furniture herself |
    Then the interest is closed as "lost" because "Sells furniture herself"
    And the Feed of the interest shows the variants "Not a target"
    And the route map has finished

  Scenario: The client declines after the needs analysis
    When Mary completes "Qualify the interest" with
      | verdict | qualified |
    And Mary completes "Identify the needs" with
      | verdict     | declined       |
      | lost_reason | No budget this year |
    Then the interest is closed as "lost" because "No budget this year"
    And the Feed of the interest shows the variants "Qualified, Client declined"

  Scenario: A large discount is approved, then the deal is lost in negotiation
    When Mary takes the interest to the commercial proposal
    And Mary completes "Prepare the commercial proposal" with
      | amount           | 450000 |
      | discount_percent | 15     |
    Then the interest is at the stage "proposal"
    And Helen has the task "Approve the document"
    When Helen completes "Approve the document" with
      | decision | approve |
    Then the interest is at the stage "negotiation"
    When Mary completes "Negotiate" with
      | outcome     | lost                    |
      | lost_reason | Competitor was cheaper  |
    Then the interest is closed as "lost" because "Competitor was cheaper"
    And the Feed of the interest shows the variants "Qualified, Make a proposal, Discount above the limit, All at once, Approve, Approved, Lost"

  Scenario: A rejected discount sends the proposal back, and negotiation asks for a new proposal
    When Mary takes the interest to the commercial proposal
    And Mary completes "Prepare the commercial proposal" with
      | amount           | 400000 |
      | discount_percent | 25     |
    And Helen completes "Approve the document" with
      | decision | reject             |
      | comment  | 25% is far too much |
    Then Mary has the task "Prepare the commercial proposal"
    When Mary completes "Prepare the commercial proposal" with
      | amount           | 470000 |
      | discount_percent | 8      |
    Then the interest is at the stage "negotiation"
    When Mary completes "Negotiate" with
      | outcome | new_proposal |
    Then the interest is at the stage "proposal"
    And Mary has the task "Prepare the commercial proposal"
    And the Feed of the interest shows the variants "Qualified, Make a proposal, Discount above the limit, All at once, Reject, Not approved: rework the proposal, Standard terms, New proposal needed"

  Scenario: An idle interest reminds its manager, and the work goes on
    When 3 working days pass
    Then Mary is notified "The interest has been idle for 3 working days"
    And Mary has the task "Qualify the interest"
    And the route map is still running
