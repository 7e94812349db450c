// The chapters' "Check yourself" quizzes (see course/verify/src/quiz.rs, which writes
// their HTML). Each question is checked in the page: the right answers are in it, and
// nothing is stored or sent anywhere.
"use strict";

(function () {
  function check(question) {
    const choices = Array.from(question.querySelectorAll(".quiz-choice"));
    const result = question.querySelector(".quiz-result");
    const read = question.querySelector(".quiz-read");
    const picked = choices.filter((c) => c.querySelector("input").checked);
    if (picked.length === 0) {
      result.textContent = "Pick an answer first.";
      result.className = "quiz-result";
      return;
    }
    let right = true;
    for (const choice of choices) {
      const correct = choice.dataset.correct === "true";
      const chosen = choice.querySelector("input").checked;
      choice.classList.remove("quiz-right", "quiz-wrong", "quiz-missed");
      if (chosen && correct) choice.classList.add("quiz-right");
      if (chosen && !correct) choice.classList.add("quiz-wrong");
      if (!chosen && correct) choice.classList.add("quiz-missed");
      if (chosen !== correct) right = false;
      // Every reason is shown once checked: the wrong choices are mistakes people make.
      choice.querySelector(".quiz-why").hidden = false;
    }
    result.textContent = right ? "Right." : "Not quite: see why under each choice.";
    result.className = "quiz-result " + (right ? "quiz-result-right" : "quiz-result-wrong");
    read.hidden = right;
  }

  for (const question of document.querySelectorAll(".quiz-question")) {
    question.querySelector(".quiz-check").addEventListener("click", () => check(question));
  }
})();
