"""The explainer panel's text: what the pathway is, and why a county cannot opt out.

``EXPLAINER_HTML`` is rendered here, on the server: solara.Markdown would load KaTeX and
Mermaid from the CDN in the browser, which an offline classroom does not have.
"""

import markdown

EXPLAINER_TITLE = "What you are watching: the pathway, and why a county cannot opt out"
EXPLAINER = """
Each dot is a resident of one county; each week is one step. Dots in a small ring, joined by
grey lines, are a **household**. Households with many friendships between them sit close
together; friendships and acquaintances are not drawn. A **black dot inside** a resident means
they are now too afraid to report a crime to the police (**chilled**). **Click a dot** to follow
that resident and their family.

**The pathway.** When the police arrest someone, the jail takes their fingerprints and sends them to the
**FBI**, as every jail does. Under **Secure Communities** the FBI also shares them with the Department of
Homeland Security. If the prints **match** a record in DHS's immigration database (IDENT), ICE may send a
**detainer** asking the jail to hold the person. If the jail honors it, ICE may **pick the person up**, detain
them and **remove** (deport) them. Removals leave holes in households: hollow dots, often next to children
who are US citizens. Some removed people come back to the county later: their dot fills in again.
Every detention or removal frightens the person's family and friends (deeper colors), and
frightened people report fewer crimes to the police.

**Why the county cannot opt out.** The county never sends anything to ICE. It sends fingerprints to the FBI,
because that is good police work, and federal law since 2001 makes the FBI share with Homeland Security.
ICE's director John Morton called it a "fundamental misconception" that the program "involves an agreement
by the state"; San Francisco's Sheriff Michael Hennessey asked ICE several times in 2011 and concluded:
"There appears to be no current method for opting out." Keeping prints away from ICE
would mean keeping them away from the FBI too. What a county *can* decide is what its jail does with a
detainer: Hennessey chose to release people held for minor offenses anyway. Try the presets to see what
that changes, and what it does not: choose a second preset under **Compare with** to run the
same county under both, side by side.

*Sources: NPR/KQED, "Opting out of Secure Communities" (2011); see docs/classroom.md for the lesson.*
"""

EXPLAINER_HTML = markdown.markdown(EXPLAINER)
