"""ConText with the project's rules: whose a mention is, and whether it is current."""
from __future__ import annotations

import pytest

from nlp.build_pipeline import PIPELINE_DIR
from nlp.mention_context import get_mention_context, treatment_for_someone_else, visitor_not_treated


def only_mention(text):
    mentions = [m for m in get_mention_context(PIPELINE_DIR).mentions(text) if m.label != "red_flag"]
    assert len(mentions) == 1, mentions
    return mentions[0]


@pytest.mark.parametrize("text, kind", [
    ("it's not a keloid, my surgeon says", "negated"),
    ("I'm not pregnant, just asking", "negated"),
    ("no history of keloids in my family", "negated"),
    ("I don't have any cold sores right now", "negated"),
    ("my spots cleared up years ago", "historical"),
    ("Cystic acne as teen. Fully cleared 10 yrs. Just rolling scars left now. Good candidate?", "historical"),
    ("Before I had very bad cystic acne, but it finish two years ago, now only scars are stay.", "historical"),
    ("finished nursing ages ago", "historical"),
    ("marks left from old breakouts", "historical"),
    ("I stopped accutane years ago", "historical"),
    ("my uncle had radiotherapy, but this was nine years ago", "historical"),
    ("had a melanoma removed from my back in '04, all clear since, can you treat the scar?", "historical"),
    ("i aint got eczema or nothing like that, what sunscreen after?", "negated"),
    ("my skin's flakier than an eczema patient's, what sunscreen after?", "hypothetical"),
    ("I had impetigo back in the eighties, long since cleared, do you numb the face?", "historical"),
    ("I was on isotretinoin at university, that is 15 years before, finished a long time", "historical"),
    ("my wallet bleeds like it's on blood thinners, how many sessions for scars?", "hypothetical"),
    ("what if I got pregnant later?", "hypothetical"),
    ("does it feel like a sunburn?", "hypothetical"),
    ("my aunt has lupus, could she have it?", "someone_else"),
    ("my husband is on warfarin, can he?", "someone_else"),
    ("can people with diabetes have it?", "someone_else"),
    ("I'm neither pregnant nor ill", "negated"),
    ("was on accutane 5 yrs ago", "historical"),
    ("my breakouts ended their run about a decade ago, but the pits stayed", "historical"),
    ("purely hypothetically, why would psoriasis be a problem for needling?", "hypothetical"),
    ("her classmate gets cold sores all the time", "someone_else"),
    ("when I was a boy I had eczema, nothing since", "historical"),
    ("as a girl I had psoriasis but I've had nothing since", "historical"),
    ("stopped accutane about 6 yeras ago", "historical"),
    ("got sunburnt in june but it's completely healed now", "historical"),
    ("Rosacea? Nope, never had it. Does it shrink pores?", "negated"),  # asked and answered
    ("People warned me about Accutane. I've never been on it. How long is the downtime?", "negated"),
    ("isotretinoin?? never taken it", "negated"),
    ("Just a general question, not about me: why can't you needle over eczema?", "hypothetical"),
    ("A few of our patients have psoriasis, do you treat around it?", "someone_else"),
    ("my customers keep asking whether it is ok with cold sores", "someone_else"),
    ("my neice has eczema, is needling ok for her?", "someone_else"),  # relatives as texters spell them
    ("the woman who does my nails has rosacea, can people like her have it?", "someone_else"),
    ("what do you tell a client of mine with a breakout right now?", "someone_else"),
    ("had it today, face is warm and pink, like I got sunburnt at the beach, ok?", "hypothetical"),
    ("Completed my accutane course 2019. How long is a session?", "historical"),  # a year long past
    ("Hypothetical: a patient with active psoriasis plaques. Proceed or defer?", "hypothetical"),
    ("Had a few rosacea flares in my twenties, none in years. Can it help pores?", "historical"),
    ("I had eczema as a toddler but grew out of it completely, could it help my pores?", "historical"),
    ("I was on roaccutane as a young woman, decades before my grandchildren arrived. Pores?", "historical"),
    ("when i was like 14 i had cold sores loads, can it help my pores", "historical"),
    ("apparently your face looks like youve been sunburnt for a day or so after, true?", "hypothetical"),
    ("the missus is on warfarin, not me, can you do my forehead lines?", "someone_else"),
    ("Mate from work has lupus and swears by needling. does it help pores?", "someone_else"),
    ("my tita has psoriasis, could she do it?", "someone_else"),  # relatives in the visitor's own language
    ("i dont get cold sores, how long is the redness after?", "negated"),
    ("I never get keloids, my scars go flat. Can it help my stretch marks?", "negated"),
    ("just wondering why the form asks about autoimmune diseases", "hypothetical"),
    ("in theory — what makes eczema a reason to wait?", "hypothetical"),  # the dash ends ConText's scope
    ("my lips are a cold sore magnet, kidding, I've actually never had one! is the numbing cream strong?", "negated"),
    ("I was on warfarin for years but came off it in 2019, pores?", "historical"),
    ("Before five years I had eczema on the hands, nothing since long time. Pores?", "historical"),  # as learners write it
    ("the nurse asked if I take warfarin. I'm not, only vitamins. how long is a session?", "negated"),  # denied in the next sentence
    ("me brothers wife is on accutane, can it help my forehead?", "someone_else"),  # "me" as "my"
    ("I've been reading about accutane and I don't have anything like that, how long is a session?", "negated"),
    ("I had psoriasis as a little girl but it's been clear for thirty years, can it help pores?", "historical"),
    ("My mate says lads who get keloids can't have it. I don't, never had one. How long is a session?", "negated"),
    ("she's got a couple of really big cystic spots on her chin right now, could she still have it?", "someone_else"),
    ("Everyone says it stings, and I once got burnt so badly in Ibiza I couldn't sleep. How red will I be?", "historical"),
    ("my mum's friend gets those big lumpy scars called keloids, is it bad for people like her?", "someone_else"),
    ("We covered keloids in a lecture today, how does microneedling work?", "hypothetical"),
    ("my bsf has eczema all over her arms but its just me getting it done lol. how long is the appointment?", "someone_else"),
    ("Is oily skin a problem for microneedling, or is it only active breakouts that matter?", "hypothetical"),
    # people named with a word between "my" and who they are, or as Northern English names them
    ("our lass gets cold sores every winter, does needling help crow's feet?", "someone_else"),
    ("my eldest lad has eczema on his hands, how long is the redness for me?", "someone_else"),
    # a child of the visitor's, and a clinician's patients in shorthand
    ("our toddler has really bad eczema but it's me getting treated, how long is a session?", "someone_else"),
    ("Many of my pts on anticoagulants ask. Not on any myself. Time to results?", "someone_else"),
    ("Before, I had very bad cystic acne on my forehead.", "historical"),
    ("previously I had psoriasis on my elbows", "historical"),
    ("my cheeks looked sunburnt after the first one, but that was three weeks ago and it all settled fine", "historical"),
    # another person is the subject just before the mention ("were" is no "we're")
    ("nan's got lupus so she's ruled herself out, but does it hurt much for me?", "someone_else"),
    ("The wife's got psoriasis so she's not having it, had my scars since I were a lad. Sessions?", "someone_else"),
    ("My stepdaughter has quite bad cystic acne at the moment. Would it help my fine lines?", "someone_else"),
    ("I were on warfarin a while back, but they took me off it in 2015. How long is a session?", "historical"),
    # an end told in the next sentence
    ("I had a skin infection on my neck last year. Treated, fully cleared, nothing since.", "historical"),
    ("my receptionist is on roaccutane, how long does a session take?", "someone_else"),
    ("is needling ok over an active eczema patch? a client asked and I wasn't sure", "someone_else"),
    ("a fella at the bowls club has vitiligo, is that catching?", "someone_else"),
    ("childhood psoriasis, clear 20 yrs. can it help my pores?", "historical"),
    ("i stop the breastfeed long time ago, can it help my stretch mark?", "historical"),
    ("my fav idol has eczema, is it true you can't get it done with that?", "someone_else"),
    ("My ex had psoriasis, I don't know why that popped into my head", "someone_else"),
    ("heard eczema rules you out lol i dont have it 🤭", "negated"),  # an emoji ends the denial
    ("my skin goes darker after any graze, pigment risk?", "hypothetical"),  # how the skin reacts, no wound now
    ("Is possible to do microneedling when a person is pregnant?", "hypothetical"),  # anyone
    ("honestly I'm boringly healthy: no eczema, nothing like that", "negated"),  # a list of denials
])
def test_mentions_that_are_not_the_visitors_current_condition(text, kind):
    mention = only_mention(text)
    assert getattr(mention, kind) and not mention.current_and_own


@pytest.mark.parametrize("text", [
    "I'm on accutane, can it help my acne scars?",
    "I have lupus",
    "I'm breastfeeding my 3 month old",
    "I am currently breaking out",
    "I'm diabetic",
    "I stopped accutane 2 months ago",  # isotretinoin's past counts for months
    "my friend said I have rosacea, is that a problem?",  # what others say of the visitor is theirs
    "I was diagnosed with psoriasis years ago",  # the date of a diagnosis, not of an end
    "I get those cold sores on my lip and one came up this morning",  # "those" is not "those with"
    "me and my husband are trying for a baby",  # the visitor is one of the two
    "I'm on accutane and I never took it seriously, can I book?",  # "never took it" + more: no denial
    "general question, I'm on warfarin, is that an issue?",  # "I'm" ends the general scope
    # the relative is named to say the question is not theirs
    "Asking for me, not for my mum: I have psoriasis on my knees. Is that a problem?",
    "this time it's for me and not my boyfriend, I have vitiligo on my arms",
    "I'm 11 week pregnant, can it help my melasma?",  # "week" as learners write it
    "I'm type 2 myself, is needling ok for my scars?",
    "I took roaccutane last year, stopped in spring, can I do microneedling?",  # last year still matters
    "big cysts all over my jaw, can microneedling fix them?",  # "all over" is not "over"
    "Hx keloids, still prone to them. ok for my acne scars?",  # a history that goes on
    "I do get cold sores quite a lot, is that a problem?",  # "do get" is not "don't get"
    # a dash ends the scope of a denial before it ("doesn't ... — ... my sugar levels")
    "I don't sleep well — and my sugar levels are being tested, is my session still ok?",
    "we are trying for our second baby, is needling ok meanwhile?",
    "it's just my acne flaring again, can I still come?",  # "it's just" is not "is it just"
    "Also, the acne's come back this week, right on the scarred cheeks. Can they needle over it?",
    "Hx keloids. Chest and ear. Want acne scars done. Go or no go?",  # a history of the tendency is the tendency
    "there's a patch on my hip that looks like ringworm, it's itchy. go ahead or not?",  # a suspicion, not a simile
    "sorry for not leading with it, but I was diagnosed with morphea last year and it's active. Does that change things?",
    "Two of my ear piercings turned into keloids and my mum gets them too. Is it safe for someone like me?",
    "the skin on my cheek hasn't scabbed over yet, would that matter?",  # the term's own "n't"
    "my chin has these yellowy crusty bits n my mum reckons its impetigo 😬 can i get it done anyway",
    "my eczema flared up during my lecture today, is needling ok?",  # only "in a lecture" is a subject studied
    "I'm one of those people who form keloids, ok for my acne scars?",
    "there's a proper gash on me thumb from a tin, healing slow. does that matter?",
    "I had a liver op in 2015 and remain on ciclosporin. ok for my forehead lines?",  # a new clause, a new time
    "i've got like a couple of cold sores rn, is that ok?",  # a filler "like" is no simile
    "I was just diagnosed with bullous pemphigoid, on treatment for it. ok for my age spots?",
    # cysts described, with a filler "like" before the count
    "my chin has like 4 huge painful ones under the skin rn, can i still get it?",
    "rn tho my chin is straight up erupting, like big painful ones deep under the skin, can i still book",
    "Type 2 diabetic, 10 years. Fine to book?",  # a fragment about oneself
    "our second baby is on the way, due in spring, and my scars bug me",
    "on paclitaxel at the moment, can you needle my old scar?",
    "I'm carrying our baby at the moment, 20 weeks, ok to start?",
    "any nick takes me ages to heal, is that a problem?",
    "I take a pill every morning to thin my blood, would that stop me?",
    "we're waiting for our baby in the summer, could I do my face now?",
    "the dermatologist said psoriasis last spring and the patches are spreading, does that matter?",
])
def test_the_visitors_own_current_condition(text):
    assert only_mention(text).certainly_visitors


def test_a_denied_current_word_does_not_make_a_past_condition_current():
    mention = only_mention("Had cold sores in 2018, cleared, never came back. Do you numb the skin?")
    assert mention.historical and not mention.said_current


def test_a_question_mark_then_no_idea_is_not_a_denial():
    assert not only_mention("rosacea? no idea, I just go red and stay red").negated


def test_a_bare_mention_is_current_but_not_certainly_the_visitors():
    mention = only_mention("lupus and microneedling?")
    assert mention.current_and_own and not mention.certainly_visitors


def test_someone_elses_condition_does_not_clear_the_visitors_own():
    mentions = get_mention_context(PIPELINE_DIR).mentions("my mum has rosacea and I have eczema")
    assert {m.key: m.current_and_own for m in mentions} == {"rosacea": False, "autoimmune": True}


def test_what_the_treatment_does_to_anyone_is_not_the_visitors_sunburn():
    mention = only_mention("people say microneedling leaves you looking sunburnt, how many days until I'm presentable?")
    assert mention.hypothetical and not mention.current_and_own


@pytest.mark.parametrize("text, for_them", [
    ("typing this on behalf of my grandad, he's keen to try it", True),
    ("my mother-in-law would like her crow's feet done", True),
    ("could he still get it done next month?", True),
    ("she's booked in for the 3rd", True),
    ("trying to calm him down before he books", True),
    ("my sister is on accutane but she isn't having it done, I am", False),
    ("he's only coming along to keep me company", False),
    ("my skin would like some help lol, what is it", False),
    ("if someone takes that medicine can they do microneedling?", False),
    ("my late husband was on warfarin for years, would he have been able to have it?", False),
    ("just curious, could he have it with psoriasis?", False),
    ("in general, not for me: a man with lupus, can he do it?", False),
    ("how many sessions would my grandad need for his acne marks?", True),
    ("he want it done for the scars on his beard", True),
    ("could she come in next week for her first one?", True),
    ("is he ok to have it with his eczema?", True),
    ("she wants the scar on her knee done before the summer", True),
    ("thinking of a session as an anniversary present for my hubby", True),
    ("would microneedling be ok for his scars?", True),
    # whether their condition matters is asked because they would be treated...
    ("ok cool. he's on blood thinners for his heart tho, does that matter", True),
    ("she's got keloids on her ears, is that a problem?", True),
    # ...unless the visitor asks it for themselves
    ("my husband is on warfarin, does that matter for me?", False),
    ("thinking of getting her a microneedling session as a present", True),
    ("is it still ok to book it for her or should i hold off?", True),
    ("my sister is pregnant and wants to plan for after the baby, does it help stretch marks?", False),
    ("But is me who want to book, not her. Is good for me?", False),
    ("My 15-year-old has cystic acne at the moment. I'm not booking him in, just asking for later", False),
    ("My sister's pregnant so she can't have it done, but I'd like my fine lines treated", False),
    ("is there a reason she can't have it done?", True),
    # who the treatment is for, told before their condition: "my aunt is interested", "after her treatment"
    ("my nan is interested in it for the lines round her mouth", True),
    ("her appointment is on Monday", True),
    ("what should my aunt avoid doing after her treatment?", True),
    ("my mum had hers done years ago and loved it", False),
    ("Mum is booked in next month for her melasma", True),
    ("She's just been diagnosed with lupus, if that makes any difference?", True),
    ("She'd booked microneedling for next week - is she still OK to come?", True),
    # "stopped dead" is traffic, not a death
    ("the lorry in front stopped dead anyway, can she still have it done if she's got a cold sore right now", True),
    # who it is for, told plainly
    ("This is for my dad. He wants his surgery scar looked at", True),
    ("he'll come in with me in the new year", True),
    ("it's for my acne scars, not my sister's", False),
    ("she's on methotrexate. would they still do it for her?", True),
    ("he's on warfarin, is that ok for him? I'm the one booking", True),
    ("my partner is pregnant and she wants microneedling for her melasma, ok?", True),
    ("she has eczema, not me, I'm the one booking for my pores", False),
    ("my brother is on warfarin so he won't have it done, but can it help my pores?", False),
    ("my aunt has rosacea, she would not try it. I want my forehead lines done", False),
    ("my gran has lupus, is needling generally safe for people like her?", False),  # a general question
    ("my sister's on accutane, could she book? for me though, what about pores?", False),
    ("my sister's on accutane, could she book?", True),
    ("my uncle is on apixaban and keen on microneedling. would you treat someone like him?", True),  # he wants it
    ("her psoriasis is flaring on her face right now, would they still do her?", True),
    ("mum's shingles came up on monday and she's booked for friday, should she still go?", True),
    ("my old neighbour, long gone now, had keloids. would he have been able to have it?", False),
])
def test_whether_the_message_says_someone_else_would_be_treated(text, for_them):
    assert treatment_for_someone_else(text) is for_them


@pytest.mark.parametrize("text, key", [
    ("the wife reckons I've got ringworm on my neck, booked for friday", "skin_infection"),
    ("hx keloids on both ears. want my acne scars done", "keloid"),
    ("little one is 5 months and still on mother feed", "pregnancy"),
    ("been on rivaroxaban since my clot in 2017, can I book?", "blood_thinners"),  # a start that goes on
    ("I've been on apixaban for six years now-ish, lines on my forehead", "blood_thinners"),
    ("can I come in while I'm still feeding my son at night?", "pregnancy"),
    ("I am feeding my daughter from the breast, 3 months old. ok for the face?", "pregnancy"),
])
def test_the_visitors_own_condition_told_beside_someone_else_or_as_history_stays_theirs_and_current(text, key):
    [mention] = [m for m in get_mention_context(PIPELINE_DIR).mentions(text) if m.key == key and m.label == "contraindication"]
    assert mention.current_and_own


@pytest.mark.parametrize("text", ["currently 28/40, ok to book?", "i am 20 weeks pregnancy now", "I give him the breast still",
                                  "she's pregnant, like 6 months along", "my wife is pregnant"])
def test_pregnancy_and_breastfeeding_as_learners_and_clinicians_write_it_are_recognised(text):
    assert "pregnancy" in [m.key for m in get_mention_context(PIPELINE_DIR).mentions(text) if m.label == "contraindication"]


def test_a_group_prone_to_keloids_is_not_the_visitors_tendency():
    mention = only_mention("Is microneedling suitable for keloid prone people? I am asking for an article I'm writing.")
    assert not mention.certainly_visitors


@pytest.mark.parametrize("text", [
    "I've got a cold sore, should be all gone by the weekend",  # an end hoped for is no end
    "I have impetigo on my lip. Will it be fully healed by friday?",
    "can she still have it done if she's got a cold sore on her lip right now",  # "if" about what is so now
])
def test_a_hoped_for_end_or_an_if_about_right_now_leaves_the_condition_current(text):
    mention = only_mention(text)
    assert not (mention.historical or mention.hypothetical)


def test_the_words_of_a_terms_name_do_not_say_it_is_current():
    """"active acne" names the condition; it does not say anyone has it now."""
    mention = only_mention("Why, precisely, is active acne a reason not to needle?")
    assert not mention.said_current and not mention.certainly_visitors
    listed = get_mention_context(PIPELINE_DIR).mentions("contraindications in general. active acne, infection, keloid... anything else?")
    assert not any(m.said_current for m in listed)


def test_still_inside_a_term_keeps_the_condition_current():
    mentions = get_mention_context(PIPELINE_DIR).mentions("he has a skin tear on his cheek that still hasn't healed over")
    assert all(m.said_current for m in mentions)


def test_a_term_that_names_her_is_hers():
    [mention] = [m for m in get_mention_context(PIPELINE_DIR).mentions("oh and shes expecting by the way") if m.key == "pregnancy"]
    assert mention.someone_else


def test_now_i_have_says_a_pimple_is_there_now():
    [mention] = get_mention_context(PIPELINE_DIR).mentions("But now I have also few new big painful pimples under the skin. Is ok?")
    assert mention.said_now_of_self


def test_resolved_told_after_a_condition_ends_it_rather_than_denying_what_follows():
    # medspaCy's default "resolved" denies forward; the project's rule (an end told after) must win
    mention = only_mention("I got impetigo last spring, it resolved. what does a session cost?")
    assert mention.historical and not mention.current_and_own


@pytest.mark.parametrize("text", [
    "the group chat thinks I'm pregnant (I'm not haha), what does it feel like?",
    "my sister swears I have rosacea, I'm not. how many sessions for pores?",
])
def test_the_visitor_saying_a_mention_is_not_so_is_a_denial(text):
    mention = only_mention(text)
    assert mention.negated and not mention.current_and_own


def test_the_other_one_booked_in_or_only_driving_them_says_the_visitor_is_not_treated():
    assert visitor_not_treated("I have psoriasis but he's the one booked in, I'm just taking him. how long is it?")
    assert visitor_not_treated("I'm on methotrexate but this isn't for me, it's for my aunt. what about her jowls?")


def test_an_organ_transplant_years_ago_is_never_past():
    [mention] = [m for m in get_mention_context(PIPELINE_DIR).mentions(
        "I had a liver transplant before 6 years, now I want my forehead lines done") if m.key == "medical_condition"]
    assert mention.current_and_own


def test_a_worry_about_a_condition_the_visitor_then_denies_by_name_is_denied():
    mentions = get_mention_context(PIPELINE_DIR).mentions(
        "I was scared it was rosacea but the GP looked and no, I don't have rosacea. Will it help redness from acne marks?")
    assert all(m.negated for m in mentions if m.key == "rosacea")


@pytest.mark.parametrize("text, key", [
    ("my toddler has eczema (we're up all night with it), do I need spf after my session?", "autoimmune"),
    ("my fiancée is expecting, we're over the moon! how long is the redness after?", "pregnancy"),
])
def test_someone_elses_condition_stays_theirs_when_we_is_said_after_it(text, key):
    [mention] = [m for m in get_mention_context(PIPELINE_DIR).mentions(text) if m.key == key and m.label == "contraindication"]
    assert mention.someone_else


def test_a_pregnancy_planned_for_later_is_hypothetical_and_trying_now_is_not():
    [later] = [m for m in get_mention_context(PIPELINE_DIR).mentions(
        "we might start trying for a baby in a year or two. does collagen keep building?") if m.key == "pregnancy"]
    assert later.hypothetical
    [now] = [m for m in get_mention_context(PIPELINE_DIR).mentions("we're trying for a baby, can I have it?") if m.key == "pregnancy"]
    assert now.current_and_own
    suspected = get_mention_context(PIPELINE_DIR).mentions("i might be pregnant, testing on friday. does that matter?")
    assert any(m.key == "pregnancy" and not m.hypothetical for m in suspected)


def test_a_spot_that_comes_and_goes_is_not_current_when_the_skin_is_clear_now():
    mention = only_mention("she gets the odd breakout, but her face is clear right now. any problem with treatment?")
    assert not mention.said_current


def test_it_is_my_partner_having_the_sessions_says_the_visitor_is_not_treated():
    assert visitor_not_treated("it's my husband having the sessions, not me. how long do they take?")
    assert not visitor_not_treated("it's my first time having the sessions, how long do they take?")


def test_it_is_a_relative_having_it_told_without_my_says_the_visitor_is_not_treated():
    assert visitor_not_treated("I'm pregnant so I'm only driving, it's Mum having the treatment")


def test_the_visitors_own_condition_getting_worse_is_not_someone_else_being_treated():
    assert not visitor_not_treated("it's my eczema getting worse lately, can I still have it?")


def test_a_condition_that_cleared_up_months_ago_is_past():
    mention = only_mention("the spots I had on my forehead cleared up months ago, can it fade what's left?")
    assert mention.historical and not mention.current_and_own


def test_a_medicine_stopped_months_ago_is_not_made_past_by_the_cleared_rule():
    assert only_mention("I stopped accutane 3 months ago and my skin cleared, can I book?").certainly_visitors


def test_wounds_that_heal_very_slow_is_slow_healing():
    assert only_mention("I heal very slow these days, is needling ok for me?").key == "wound_healing"


def test_a_wound_that_has_not_closed_yet_is_open_now():
    assert only_mention("there's a cut on my finger that hasn't healed up yet, does that matter?").said_now_of_self


def test_an_operation_on_the_thyroid_is_where_the_scar_is_not_a_condition():
    mentions = get_mention_context(PIPELINE_DIR).mentions("I had a thyroid operation two years ago and the scar is thick, will it help?")
    assert not [m for m in mentions if m.key == "medical_condition"]
    assert only_mention("I have an underactive thyroid, is microneedling ok?").key == "medical_condition"


def test_a_medicine_taken_every_day_is_current_beside_a_past_operation():
    mentions = get_mention_context(PIPELINE_DIR).mentions(
        "my brother had a liver transplant years ago and he takes ciclosporin every day")
    assert any(m.key == "medical_condition" and not m.historical for m in mentions)


def test_a_medicine_taken_every_morning_is_current_beside_a_past_operation():
    mentions = get_mention_context(PIPELINE_DIR).mentions(
        "I got a new kidney in 2012 and take the anti-rejection pills each morning, ok for scars?")
    assert any(m.key == "medical_condition" and m.current_and_own for m in mentions)


def test_not_having_it_myself_says_the_visitor_is_not_treated():
    assert visitor_not_treated("I have psoriasis so I won't be having it done myself, my sister will")


def test_a_figure_of_speech_is_no_symptom():
    [mention] = [m for m in get_mention_context(PIPELINE_DIR).mentions(
        "all this jargon gives me hives, figuratively speaking. what does it actually do?") if m.label == "red_flag"]
    assert mention.hypothetical and not mention.current_and_own


def test_a_mother_feeding_her_baby_herself_is_breastfeeding_and_hers():
    mention = only_mention("my daughter in law is feeding the baby herself still, can she have her scars done?")
    assert mention.key == "pregnancy" and mention.someone_else
