Feature: Trigger library
  Small route maps started by a letter, a payment, a request or the daily schedule. An administrator switches
  each one on and sets its parameters; a switched-off trigger does nothing. A scheduled trigger runs at its
  "Run at" time and can follow the work calendar: a run that falls on a day off waits for the next working day.

  Background:
    Given the shipped route maps are deployed
    And Mary's client "Romashka" with the address "info@romashka.example" has the interest "Office furniture"
    And the company writes to clients from the shared mail account "sales@company.example"

  Scenario: A letter on an interest tells its manager
    Given the trigger "mail_on_interest" is switched on
    When a letter from "petrov@romashka.example" about "Re: proposal" arrives on the interest
    Then Mary is notified "New letter from petrov@romashka.example: Re: proposal"

  Scenario: A switched-off trigger does nothing
    When a letter from "petrov@romashka.example" about "Re: proposal" arrives on the interest
    Then Mary has no notification

  Scenario: A potential client learns when to expect an answer, in working hours
    Given the trigger "answer_eta" is switched on with
      | answer_within | PT4H working |
    And it is Friday 17:00
    When a request "Price list please" arrives from "buyer@new.example"
    Then "buyer@new.example" gets a letter "Re: Price list please" saying "We will answer by" on Monday at "12:00"

  Scenario: A client learns their payment arrived
    Given the trigger "payment_received" is switched on
    When a payment of 120000 RUB arrives from the client
    Then "info@romashka.example" gets a letter "Payment received" saying "We have received your payment of 120000 RUB"
    And the letter is in the Feed of the client

  Scenario: Without a mail account the message to the client waits as a notice
    Given the trigger "payment_received" is switched on
    But the shared mail account is switched off
    When a payment of 120000 RUB arrives from the client
    Then "info@romashka.example" got no letter
    And a notice for "info@romashka.example" keeps "We have received your payment of 120000 RUB"

  Scenario: A letter from the website form becomes a potential client with an interest
    Given the trigger "website_request" is switched on with
      | website_sender | form@site.example |
    When a letter from "form@site.example" about "Request: 20 desks" arrives for "Ivan Buyer" at "ivan@buyer.example"
    And a letter from "someone@else.example" about "Hello" arrives for "Someone" at "someone@else.example"
    Then a potential client "Ivan Buyer" exists with an interest "Request: 20 desks" from the "website"
    And there is 1 potential client

  Scenario: The expert mailing follows the work calendar
    Given the trigger "expert_mailing" is switched on with
      | days_after_registration | 7    |
      | respect_calendar        | true |
      | run_at                  | 10:00 |
    And the client registered 7 days before Saturday
    And the daily schedule started on Friday at 10:00
    When it is Saturday 10:00
    Then "info@romashka.example" got no letter
    When it is Monday 10:01
    Then "info@romashka.example" gets a letter "Useful tips from our experts" saying "Useful tips for the first weeks with us."

  Scenario: A lost interest comes back as a repeat interest after N days
    Given the trigger "recreate_lost" is switched on with
      | days_after_loss  | 90    |
      | respect_calendar | false |
    And the interest was lost 90 days before Friday
    And the daily schedule started on Thursday at 10:00
    When it is Friday 10:00
    Then Mary has a new interest "Repeat: Office furniture" for the client

  Scenario: A scheduled trigger runs at its "Run at" time, not when the schedule ticks
    Given the trigger "recreate_lost" is switched on with
      | days_after_loss  | 90    |
      | respect_calendar | false |
      | run_at           | 15:30 |
    And the interest was lost 90 days before Friday
    And the daily schedule started on Thursday at 10:00
    When it is Friday 00:05
    Then no repeat interest was opened
    When it is Friday 15:29
    Then no repeat interest was opened
    When it is Friday 15:30
    Then Mary has a new interest "Repeat: Office furniture" for the client

  Scenario: A weekly trigger runs only on its weekday
    Given the trigger "recreate_lost" is switched on with
      | days_after_loss  | 90    |
      | periodicity      | week  |
      | weekday          | 3     |
    And the interest was lost 90 days before Friday
    And the daily schedule started on Thursday at 10:00
    When it is Friday 10:00
    Then no repeat interest was opened
