"""Text prompts generated from the motions of a synthetic clip.

The motion library gives one sentence per track ("a person waves with the right hand"); the caption
joins them and adds an adverb for the motion strength, so text, motion and strength stay consistent.
"""

from __future__ import annotations

STRENGTH_WORDS = ((0.25, "slowly"), (0.5, "calmly"), (0.75, "briskly"), (1.01, "energetically"))


def strength_word(strength: float) -> str:
    """Motion strength 0..1 → adverb (thresholds :data:`STRENGTH_WORDS`)."""
    for limit, word in STRENGTH_WORDS:
        if strength < limit:
            return word
    return STRENGTH_WORDS[-1][1]


def make_caption(sentences: list[str], strength: float) -> str:
    """Per-track sentences + strength → one prompt, e.g. "a person walks forward briskly; a ball ..."."""
    if not sentences:
        return ""
    first = f"{sentences[0]} {strength_word(strength)}"
    return "; ".join([first, *sentences[1:]])


# ------------------------------------------------------------------------------- the action vocabulary
# action id (revision.synthetic.motions.EXTRA_HUMAN_MOTIONS, or an object action of motions.object_path)
# → paraphrases. TRAIN_PARAPHRASES are used for training (PPPM captions) and as the nearest-neighbour index
# of the prompt matcher (revision.pppm.propose); HELDOUT_PARAPHRASES are never used for either, only by
# benchmarks/motion_text_bench.py. Side words ("left"/"right") are the person's own side for hands, feet
# and the head, and the image's side for walking.
TRAIN_PARAPHRASES: dict[str, tuple[str, ...]] = {
    "wave_right": ("a person waves with the right hand", "the man waves his right hand",
                   "she waves hello with her right hand", "someone waving the right hand",
                   "he lifts his right hand and waves"),
    "wave_left": ("a person waves with the left hand", "the woman waves her left hand",
                  "he waves hello with his left hand", "someone waving the left hand",
                  "she lifts her left hand and waves"),
    "wave_both": ("a person waves with both hands", "the man waves both hands",
                  "she waves hello with both arms", "someone waving both hands in the air",
                  "he lifts both hands and waves them"),
    "raise_right": ("a person raises the right arm", "the man lifts his right arm up",
                    "she puts her right hand up", "someone raising the right hand",
                    "he raises his right arm above his head"),
    "raise_left": ("a person raises the left arm", "the woman lifts her left arm up",
                   "he puts his left hand up", "someone raising the left hand",
                   "she raises her left arm above her head"),
    "raise_both": ("a person raises both arms", "the man lifts both arms up",
                   "she puts both hands up", "someone raising both hands above the head",
                   "he throws both arms up in the air"),
    "clap": ("a person claps", "the man claps his hands", "she is clapping", "someone applauding",
             "he claps his hands together"),
    "point_right": ("a person points forward with the right hand", "the man points with his right arm",
                    "she points at something with her right hand", "someone pointing ahead with the right index finger",
                    "he extends his right arm and points"),
    "point_left": ("a person points forward with the left hand", "the woman points with her left arm",
                   "he points at something with his left hand", "someone pointing ahead with the left index finger",
                   "she extends her left arm and points"),
    "reach": ("a person reaches forward to grab something", "the man reaches out his arm",
              "she stretches her arm forward to take something", "someone reaching for an object",
              "he reaches ahead with his hand"),
    "bow": ("a person bows", "the man bows politely", "she bends forward in a bow",
            "someone takes a bow", "he bows from the waist"),
    "nod": ("a person nods", "the man nods his head", "she nods yes", "someone nodding",
            "he nods in agreement"),
    "turn_head_left": ("a person turns the head to the left", "the man looks to his left",
                       "she turns her head left", "someone glancing to the left",
                       "he turns his face to the left"),
    "turn_head_right": ("a person turns the head to the right", "the woman looks to her right",
                        "he turns his head right", "someone glancing to the right",
                        "she turns her face to the right"),
    "turn_around": ("a person turns around", "the man turns around on the spot",
                    "she spins around to face the other way", "someone turning around",
                    "he turns his back to the camera"),
    "walk_left": ("a person walks to the left", "the man walks left", "she walks towards the left side",
                  "someone walking to the left", "he strolls off to the left"),
    "walk_right": ("a person walks to the right", "the woman walks right", "he walks towards the right side",
                   "someone walking to the right", "she strolls off to the right"),
    "walk_towards": ("a person walks towards the camera", "the man walks forward towards the viewer",
                     "she walks closer to the camera", "someone approaching the camera",
                     "he comes walking towards us"),
    "walk_away": ("a person walks away from the camera", "the woman walks away",
                  "he walks off into the distance", "someone walking away from the viewer",
                  "she turns and walks away"),
    "run": ("a person runs", "the man is running", "she runs fast", "someone jogging", "he sprints"),
    "jump": ("a person jumps", "the man jumps up and down", "she jumps in the air", "someone jumping",
             "he leaps up"),
    "squat": ("a person squats", "the man does squats", "she crouches down", "someone squatting",
              "he bends his knees and squats"),
    "sit_down": ("a person sits down", "the man sits down", "she takes a seat", "someone sitting down",
                 "he lowers himself to sit"),
    "kick_right": ("a person kicks with the right leg", "the man kicks his right foot",
                   "she kicks forward with her right leg", "someone kicking with the right foot",
                   "he does a right kick"),
    "kick_left": ("a person kicks with the left leg", "the woman kicks her left foot",
                  "he kicks forward with his left leg", "someone kicking with the left foot",
                  "she does a left kick"),
    "dance": ("a person dances", "the man is dancing", "she dances happily", "someone dancing to music",
              "he moves to the music"),
    "stand_still": ("a person stands still", "the man stands without moving", "she stays still",
                    "someone standing motionless", "he holds still"),
    "fall": ("an object falls to the ground", "the ball falls down", "a box drops to the floor",
             "something falls", "the object drops"),
    "bounce": ("a ball bounces on the ground", "the ball bounces", "a ball bouncing up and down",
               "something bounces off the floor", "the toy bounces"),
    "roll": ("a ball rolls away", "the ball rolls on the ground", "a ball rolling across the floor",
             "something rolls along", "the wheel rolls forward"),
    "slide": ("a box slides across the floor", "the box slides", "an object sliding on the ground",
              "something slides along the floor", "the crate slides away"),
    "throw": ("a ball is thrown and lands", "the ball is thrown", "someone throws the ball",
              "an object flies through the air and lands", "the ball is tossed"),
}  # fmt: skip
HELDOUT_PARAPHRASES: dict[str, tuple[str, ...]] = {
    "wave_right": ("the astronaut waves her right hand at us", "a girl greets us waving with her right hand",
                   "an old man gives a friendly wave with his right hand"),
    "wave_left": ("the astronaut waves her left hand at us", "a boy greets us waving with his left hand",
                  "a woman gives a friendly wave with her left hand"),
    "wave_both": ("the astronaut waves at us with both hands", "a child greets us waving both hands",
                  "the player waves both arms excitedly"),
    "raise_right": ("the astronaut raises her right arm", "a student puts up his right hand",
                    "the woman lifts her right hand high"),
    "raise_left": ("the astronaut raises her left arm", "a student puts up his left hand",
                   "the woman lifts her left hand high"),
    "raise_both": ("the astronaut raises both arms", "the fans lift both hands high above their heads",
                   "a man raises his arms in victory"),
    "clap": ("the audience member claps enthusiastically", "a woman gives a round of applause",
             "the boy claps his palms together"),
    "point_right": ("the guide points ahead with her right hand", "a man points his right finger forward",
                    "the child points with the right arm at the sky"),
    "point_left": ("the guide points ahead with her left hand", "a man points his left finger forward",
                   "the child points with the left arm at the sky"),
    "reach": ("the woman reaches out to take the cup", "a man stretches out his hand to grab it",
              "the child reaches forward for the toy"),
    "bow": ("the actor bows to the audience", "a man bends at the waist to bow",
            "the performer takes a deep bow"),
    "nod": ("the woman nods her head up and down", "a man nods slowly", "the girl nods in approval"),
    "turn_head_left": ("the woman looks over to her left", "a man turns to look left",
                       "the girl glances over her left shoulder"),
    "turn_head_right": ("the woman looks over to her right", "a man turns to look right",
                        "the girl glances over her right shoulder"),
    "turn_around": ("the woman turns around to face away", "a man spins around",
                    "the dancer turns to face the back"),
    "walk_left": ("the woman walks off to the left of the frame", "a man heads left on foot",
                  "the astronaut walks to the left"),
    "walk_right": ("the woman walks off to the right of the frame", "a man heads right on foot",
                   "the astronaut walks to the right"),
    "walk_towards": ("the woman walks up to the camera", "a man steps towards the viewer",
                     "the astronaut walks toward us"),
    "walk_away": ("the woman walks away into the background", "a man walks off away from us",
                  "the astronaut walks away from the camera"),
    "run": ("the athlete runs quickly", "a woman is out for a run", "the boy dashes forward"),
    "jump": ("the astronaut jumps", "a girl hops up", "the player jumps high into the air"),
    "squat": ("the athlete does a deep squat", "a woman squats down low", "the man drops into a squat"),
    "sit_down": ("the woman sits down on a chair", "an old man sits down slowly", "the boy sits"),
    "kick_right": ("the footballer kicks with his right foot", "a girl kicks her right leg out",
                   "the fighter throws a right kick"),
    "kick_left": ("the footballer kicks with his left foot", "a girl kicks her left leg out",
                  "the fighter throws a left kick"),
    "dance": ("the woman dances joyfully", "a man dances around", "the kids are dancing"),
    "stand_still": ("the woman stands perfectly still", "a man does not move", "the astronaut stays motionless"),
    "fall": ("the apple falls to the floor", "a cup drops down", "the vase falls"),
    "bounce": ("the basketball bounces", "a rubber ball bounces up", "the tennis ball bounces on the court"),
    "roll": ("the soccer ball rolls away", "a marble rolls along the floor", "the tyre rolls"),
    "slide": ("the crate slides over the floor", "a book slides across the table", "the puck slides on the ice"),
    "throw": ("the ball gets thrown into the air", "a stone is tossed and lands", "the frisbee is thrown"),
}  # fmt: skip
OBJECT_ACTIONS = ("fall", "bounce", "roll", "slide", "throw")


def action_caption(action: str, rng=None) -> str:
    """A training paraphrase of ``action`` (the first one, or a random one with a numpy ``rng``)."""
    options = TRAIN_PARAPHRASES[action]
    return options[0] if rng is None else options[int(rng.integers(len(options)))]
