Feature: Support appeal route map
  A support agent works an appeal from registration to closing. The appeal type and priority pick the
  scenario (a decision table); the reaction time and the processing time are counted in working hours, and a
  breach escalates to the department head. The route map waits while the client owes an answer, and a
  resolved appeal can be reopened.

  Background:
    Given the shipped route maps are deployed
    And the appeal types
      | name            | reaction     | processing  |
      | Tech support    | PT2H working | P2D working |
      | Claim           | PT4H working | P3D working |
      | Service request |              |             |
    And Sam's client "Romashka"

  Scenario: A standard appeal solved at the first answer closes after a quiet period
    When Sam registers the appeal "Printer does not print" of type "Tech support" with priority "normal"
    Then Sam has the task "Answer the client"
    And the appeal is "new"
    When Sam completes "Answer the client" with
      | answer  | Reinstall the driver, here is the link |
      | outcome | solved                                 |
    Then the appeal is "resolved" and its first answer is recorded
    When 3 working days pass
    Then the appeal is "closed"
    And the route map has finished
    And the appeal's variants are "Standard, Solved"

  Scenario: The agent waits for the client, who replies
    When Sam registers the appeal "Printer does not print" of type "Tech support" with priority "normal"
    And Sam completes "Answer the client" with
      | answer  | Which model is it? |
      | outcome | need_info          |
    Then the appeal is "waiting_client"
    When the client replies to the appeal
    Then the appeal is "in_progress"
    And Sam has the task "Continue work on the appeal"
    When Sam completes "Continue work on the appeal" with
      | answer  | For that model, update the firmware |
      | outcome | solved                              |
    Then the appeal is "resolved"
    And the appeal's variants are "Standard, Waiting for the client, Solved"

  Scenario: The client does not reply within 5 working days
    When Sam registers the appeal "Printer does not print" of type "Tech support" with priority "normal"
    And Sam completes "Answer the client" with
      | answer  | Which model is it? |
      | outcome | need_info          |
    And 5 working days pass
    Then the appeal is "resolved"
    And Sam does not have any open task

  Scenario: The reaction time runs out and the department head is told
    When Sam registers the appeal "Printer does not print" of type "Tech support" with priority "normal"
    And 1 working hours pass
    Then Victor has no notification
    When 1 working hours pass
    Then Victor is notified "Reaction time exceeded on appeal: Printer does not print"
    And Sam has the task "Answer the client"

  Scenario: The processing time runs out and the department head intervenes
    When Sam registers the appeal "Printer does not print" of type "Tech support" with priority "normal"
    And Sam completes "Answer the client" with
      | answer  | Which model is it? |
      | outcome | need_info          |
    And the client replies to the appeal
    And 2 working days pass
    Then Victor has the task "Processing time exceeded: intervene"
    And Sam has the task "Continue work on the appeal"
    When Victor completes "Processing time exceeded: intervene" with
      | action | Called the client, a technician visits tomorrow |
    Then the Feed of the appeal has the note "Processing time exceeded. Action: Called the client, a technician visits tomorrow"

  Scenario: A claim is recorded before the answer
    When Sam registers the appeal "Broken chairs delivered" of type "Claim" with priority "normal"
    Then Sam has the task "Register the claim details"
    And the task "Answer the client" is no longer open
    When Sam completes "Register the claim details" with
      | claim_amount  | 12000                 |
      | claim_details | Two chairs are broken |
    Then Sam has the task "Answer the client"
    And the appeal's variants are "Claim"

  Scenario: An urgent appeal alerts the head and has a shorter reaction time
    When Sam registers the appeal "Office is flooded" of type "Service request" with priority "urgent"
    Then Victor is notified "Urgent appeal: Office is flooded"
    When 1 working hours pass
    Then Victor is notified "Reaction time exceeded on appeal: Office is flooded"

  Scenario: A resolved appeal is reopened and worked again
    When Sam registers the appeal "Printer does not print" of type "Tech support" with priority "normal"
    And Sam completes "Answer the client" with
      | answer  | Reinstall the driver |
      | outcome | solved               |
    And the client reopens the appeal
    Then the appeal is "reopened"
    And Sam has the task "Answer the client"
    When Sam completes "Answer the client" with
      | answer  | A technician fixed it on site |
      | outcome | solved                        |
    Then the appeal is "resolved"
    And the route map is still running
