/**
 * Word lists and templates for synthetic posts and profiles. Written for this project, kept
 * small on purpose: the point is plausible surface statistics (lengths, languages, shared
 * short phrases, hashtags, links), not meaning.
 *
 * Templates use `{slot}` placeholders filled by `text.ts`.
 */

export const FIRST_FR = [
  'Marie', 'Julien', 'Camille', 'Nicolas', 'Sophie', 'Thomas', 'Claire', 'Pierre', 'Léa', 'Antoine',
  'Julie', 'Maxime', 'Laura', 'Alexandre', 'Céline', 'Hugo', 'Manon', 'Romain', 'Sarah', 'Mathieu',
  'Chloé', 'Kevin', 'Pauline', 'Sébastien', 'Émilie', 'Florian', 'Inès', 'Karim', 'Nadia', 'Yann',
  'Lucie', 'Bruno', 'Anne', 'Olivier', 'Fatou', 'Mehdi', 'Gaëlle', 'Denis', 'Agathe', 'Loïc',
]; // prettier-ignore

export const LAST_FR = [
  'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau',
  'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier',
  'Morel', 'Girard', 'André', 'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'François', 'Martinez', 'Legrand',
  'Benali', 'Nguyen', 'Le Gall', 'Kerbrat', 'Rossi', 'Diallo', 'Chevalier', 'Faure', 'Gautier', 'Perrin',
]; // prettier-ignore

export const FIRST_EN = [
  'James', 'Emma', 'Oliver', 'Sophie', 'Jack', 'Emily', 'Harry', 'Olivia', 'George', 'Amelia',
  'Michael', 'Jessica', 'David', 'Sarah', 'Daniel', 'Laura', 'Chris', 'Hannah', 'Matt', 'Kate',
]; // prettier-ignore

export const LAST_EN = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Evans', 'Walker',
  'Wright', 'Thompson', 'White', 'Hughes', 'Green', 'Hall', 'Clarke', 'Miller', 'Moore', 'Cooper',
]; // prettier-ignore

/** Words people put in handles and display names. */
export const HANDLE_WORDS = [
  'citoyen', 'patriote', 'insoumis', 'libre', 'parisien', 'lyonnais', 'breton', 'marseillais', 'ecolo',
  'republicain', 'gaulois', 'observateur', 'debat', 'info', 'vrai', 'france', 'lecteur', 'prof', 'papa',
  'maman', 'geek', 'foot', 'rugby', 'jazz', 'velo', 'cafe', 'soleil', 'nuit', 'news', 'voter',
]; // prettier-ignore

export const CITIES_FR = [
  'Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nice', 'Nantes', 'Strasbourg', 'Montpellier', 'Bordeaux', 'Lille',
  'Rennes', 'Reims', 'Le Havre', 'Grenoble', 'Dijon', 'Angers', 'Brest', 'Tours', 'Amiens', 'Perpignan',
]; // prettier-ignore

export const LOCATIONS_EN = [
  'London',
  'Manchester',
  'UK',
  'New York, NY',
  'Washington, DC',
  'Brussels',
  'Dublin',
  'Texas, USA',
  '',
];

export const DESCRIPTIONS_FR = [
  'Citoyen engagé.', 'Passionné de politique et de foot.', 'Prof. Avis perso.', 'Journaliste. Les RT ne valent pas approbation.',
  'Étudiant en droit', 'Maman de 3 enfants. Je dis ce que je pense.', 'Fan de rugby, de vin et de débats.',
  'Ingénieur le jour, twittos la nuit.', 'Militant associatif.', 'Ici pour suivre l\'actu.', 'Retraité, curieux de tout.',
  'Amoureux de la France 🇫🇷', 'Photographe amateur 📷', 'Infirmière. Fatiguée.', 'Développeur web.',
  'Lecteur, marcheur, râleur.', 'Entrepreneur', 'Rien à dire.', 'Europe ❤️', 'Les idées avant les partis.',
]; // prettier-ignore

export const DESCRIPTIONS_EN = [
  'Views my own.', 'Journalist covering Europe. RTs are not endorsements.', 'Politics nerd.', 'Dad, runner, coffee.',
  'Student. Francophile.', 'Writing about elections.', 'Software engineer.', 'Tea and football.', '',
]; // prettier-ignore

/** Candidates as people write them, most frequent first (second-round week: two dominate). */
export const CANDIDATES = [
  'Macron', 'Le Pen', 'Marine Le Pen', 'Emmanuel Macron', 'Marine', 'Mélenchon', 'Fillon', 'Hamon', 'Dupont-Aignan',
]; // prettier-ignore
export const CANDIDATE_WEIGHTS = [30, 28, 10, 9, 6, 6, 4, 3, 2];
/** Which person each form names (so "Marine" and "Le Pen" are not set against each other). */
export const CANDIDATE_PERSON = [0, 1, 1, 0, 1, 2, 3, 4, 5];

export const TOPICS_FR = [
  "l'emploi", 'la sécurité', "l'Europe", "la sortie de l'euro", "le pouvoir d'achat", 'les retraites',
  "l'immigration", "l'école", 'la dette', 'la loi Travail', 'le terrorisme', "l'écologie", 'la santé',
  'les impôts', "l'agriculture", 'la laïcité', 'le chômage des jeunes', 'la Russie', 'les banques',
  'la moralisation de la vie publique',
]; // prettier-ignore

export const TOPICS_EN = [
  'jobs', 'security', 'the EU', 'the euro', 'immigration', 'pensions', 'taxes', 'terrorism', 'Russia',
  'climate', 'the economy', 'Brexit', 'NATO', 'trade',
]; // prettier-ignore

export const OPENERS_FR = [
  '', '', '', 'Franchement,', 'Honnêtement,', 'Sérieusement,', 'Bon,', 'Pour moi,', 'Clairement,', 'Incroyable :',
  'Encore une fois,', 'Bref,', 'Je le dis :', 'Perso,',
]; // prettier-ignore

export const OPENERS_EN = ['', '', '', 'Honestly,', 'Wow,', 'So', 'Frankly,', 'Again,', 'Interesting:'];

export const EVAL_FR = [
  'a été bon sur', "s'est planté sur", "n'a aucun programme sur", 'a raison sur', 'ment sur', 'est flou sur',
  'a marqué des points sur', "n'a pas répondu sur", 'maîtrise', 'ne connaît rien à', 'a convaincu sur',
  'recule sur',
]; // prettier-ignore

export const EVAL_EN = [
  'was strong on', 'struggled on', 'has no plan on', 'is right about', 'dodged the question on', 'is vague on',
  'scored points on', 'knows nothing about',
]; // prettier-ignore

export const CLOSERS = ['', '', '', '', '.', '!', '...', ' ?!', ' 🤔', ' 😂', ' 👏', ' 🙄', ' 😡', ' 💪'];

export const PROPOSALS_FR = [
  "sortir de l'euro", 'supprimer la taxe d\'habitation', 'recruter 10 000 policiers', 'baisser les impôts',
  'réformer les retraites', 'fermer les frontières', 'relancer l\'Europe', 'moraliser la vie politique',
  'rétablir le service militaire', 'dédoubler les classes de CP',
]; // prettier-ignore

export const TV_FR = ['sur TF1', 'sur France 2', 'sur BFMTV', 'en direct', 'au JT', 'sur LCI'];

export const CROWD_FR = [
  'salle comble',
  'ambiance électrique',
  'des milliers de personnes',
  'peu de monde',
  'quelle foule',
];

/** Short phrases everyone posts: the classic false positive for copy-paste detection. */
export const SHORT_FR = [
  'Bonne nuit', 'Merci !', '+1', 'Allez les bleus', 'Bonjour à tous', 'Bonne soirée', 'Exactement.',
  'Tellement vrai', 'MDR', 'Ça promet...', 'Vivement dimanche', 'Courage à tous', 'Quelle soirée',
  'Bien dit !', "N'importe quoi", 'Hâte de voir ça', 'Bon courage', 'Bonne journée à tous', 'Incroyable',
  'On lâche rien', 'Je suis mort 😂', 'Pas mieux',
]; // prettier-ignore

export const SHORT_EN = [
  'Good night',
  'Thanks!',
  '+1',
  'lol',
  'So true',
  'Wow',
  'This.',
  'Exactly',
  'Great thread',
  'Good morning all',
];

export const REPLIES_FR = [
  "Tout à fait d'accord", "Pas du tout d'accord", 'Source ?', "N'importe quoi", 'Exactement', 'Tu rigoles ?',
  "Merci pour l'info", '+1', 'C\'est faux, lisez le programme', 'Bien vu', 'Et {topic} alors ?', 'Pas sûr...',
  'Voilà.', "C'est exactement ça", 'Ridicule', 'On verra dimanche', 'Merci !', 'Il a raison sur {topic}',
]; // prettier-ignore

export const REPLIES_EN = [
  'Totally agree',
  'Source?',
  'Not true',
  'Exactly',
  'Thanks for sharing',
  '+1',
  'Good point',
  'We will see on Sunday',
];

/** Templates of original French posts (opinions, campaign talk). */
export const TEMPLATES_FR = [
  '{op} {cand} {eval} {topic}{close}',
  '{op} {cand} {eval} {topic}{close}',
  'Qui va voter {cand} dimanche ?{close}',
  '{cand} à {city} aujourd\'hui, {crowd}{close}',
  "Je n'arrive pas à croire que {cand} {eval} {topic}.",
  'Ce soir {tv} : {cand} face à {cand2}.',
  'Sondage : {cand} à {pct} % au second tour{close}',
  'Le programme de {cand} sur {topic} ne tient pas la route.',
  '{cand} veut {proposal}. Sérieusement ?',
  'On en parle de {topic} ou pas ?',
  'Dimanche on vote. Renseignez-vous sur {topic} avant.',
  '{op} ni {cand} ni {cand2}, je voterai blanc{close}',
  'Entre {cand} et {cand2}, le choix est vite fait{close}',
  '{cand} {tv} ce soir, je regarde ou pas ?',
  'Les électeurs de {cand2} vont faire la différence dimanche.',
]; // prettier-ignore

/** Templates used while the debate is on. */
export const DEBATE_FR = [
  '{cand} {eval} {topic}{close}',
  '{op} {cand} est en train de perdre ce débat{close}',
  'Ce débat est un naufrage{close}',
  '{cand} coupe la parole à {cand2} pour la 10e fois{close}',
  'Les journalistes sont dépassés{close}',
  '{cand} : « {proposal} ». Vraiment ?',
  'Qui a gagné le débat selon vous ?',
]; // prettier-ignore

export const TEMPLATES_EN = [
  '{op} {cand} {eval} {topic}{close}',
  'French election: {cand} vs {cand2}, final round on Sunday.',
  'Watching the French campaign from {city}. {cand} {eval} {topic}.',
  'Polls give {cand} {pct}% ahead of Sunday{close}',
  "Don't underestimate {cand}{close}",
  'Big week for Europe: France votes on Sunday.',
]; // prettier-ignore

/** Headline templates for news shares. */
export const HEADLINES_FR = [
  '{cand} et {cand2} s\'affrontent sur {topic}',
  'Présidentielle : ce que propose {cand} sur {topic}',
  'Sondage : {cand} à {pct} % au second tour',
  'Débat : le vrai du faux sur {topic}',
  '{city} : {crowd} pour le meeting de {cand}',
  'Ce qu\'il faut retenir de la journée de campagne',
  '{cand} veut {proposal} : est-ce réaliste ?',
  'Second tour : les reports de voix en question',
  'Abstention : les chiffres qui inquiètent',
]; // prettier-ignore

export const HEADLINES_EN = [
  'French election: {cand} and {cand2} clash over {topic}',
  'What {cand} would mean for {topic}',
  'France votes: everything you need to know',
  'Fact check: {cand} on {topic}',
]; // prettier-ignore

export const SHARE_PREFIX_FR = [
  '',
  '',
  'À lire : ',
  'Intéressant : ',
  'À voir. ',
  '👉 ',
  'Édifiant. ',
  'Tout est dit. ',
];
export const SHARE_PREFIX_EN = ['', '', 'Worth a read: ', 'Interesting: ', 'Must read. '];

/** News sites with the shape of their article paths. */
export interface NewsSite {
  domain: string;
  /** Host as it appears in links. */
  host: string;
  shape: 'lemonde' | 'figaro' | 'libe' | 'bfm' | 'bbc' | 'guardian' | 'dated' | 'slug' | 'youtube';
  weight: number;
}

export const NEWS_FR: NewsSite[] = [
  { domain: 'lemonde.fr', host: 'www.lemonde.fr', shape: 'lemonde', weight: 20 },
  { domain: 'lefigaro.fr', host: 'www.lefigaro.fr', shape: 'figaro', weight: 16 },
  { domain: 'liberation.fr', host: 'www.liberation.fr', shape: 'libe', weight: 10 },
  { domain: 'bfmtv.com', host: 'www.bfmtv.com', shape: 'bfm', weight: 12 },
  { domain: 'francetvinfo.fr', host: 'www.francetvinfo.fr', shape: 'slug', weight: 10 },
  { domain: '20minutes.fr', host: 'www.20minutes.fr', shape: 'slug', weight: 8 },
  { domain: 'leparisien.fr', host: 'www.leparisien.fr', shape: 'dated', weight: 7 },
  { domain: 'lepoint.fr', host: 'www.lepoint.fr', shape: 'slug', weight: 5 },
  { domain: 'lexpress.fr', host: 'www.lexpress.fr', shape: 'slug', weight: 4 },
  { domain: 'huffingtonpost.fr', host: 'www.huffingtonpost.fr', shape: 'dated', weight: 5 },
  { domain: 'mediapart.fr', host: 'www.mediapart.fr', shape: 'slug', weight: 3 },
  { domain: 'europe1.fr', host: 'www.europe1.fr', shape: 'slug', weight: 3 },
  { domain: 'ouest-france.fr', host: 'www.ouest-france.fr', shape: 'slug', weight: 3 },
  { domain: 'youtube.com', host: 'www.youtube.com', shape: 'youtube', weight: 6 },
  // State media also has an organic audience: a domain list alone does not make a swarm.
  { domain: 'rt.com', host: 'francais.rt.com', shape: 'slug', weight: 1.5 },
  { domain: 'sputniknews.com', host: 'fr.sputniknews.com', shape: 'dated', weight: 1.2 },
];

export const NEWS_EN: NewsSite[] = [
  { domain: 'bbc.co.uk', host: 'www.bbc.co.uk', shape: 'bbc', weight: 14 },
  { domain: 'theguardian.com', host: 'www.theguardian.com', shape: 'guardian', weight: 12 },
  { domain: 'nytimes.com', host: 'www.nytimes.com', shape: 'dated', weight: 8 },
  { domain: 'reuters.com', host: 'www.reuters.com', shape: 'slug', weight: 8 },
  { domain: 'politico.eu', host: 'www.politico.eu', shape: 'slug', weight: 6 },
  { domain: 'france24.com', host: 'www.france24.com', shape: 'slug', weight: 5 },
  { domain: 'youtube.com', host: 'www.youtube.com', shape: 'youtube', weight: 4 },
  { domain: 'rt.com', host: 'www.rt.com', shape: 'slug', weight: 1.5 },
];

/** Where planted link-push swarms point: state media and look-alike clones of real outlets. */
export const PUSH_SITES: NewsSite[] = [
  { domain: 'rt.com', host: 'francais.rt.com', shape: 'slug', weight: 1 },
  { domain: 'sputniknews.com', host: 'fr.sputniknews.com', shape: 'dated', weight: 1 },
  { domain: 'lemonde.ltd', host: 'www.lemonde.ltd', shape: 'lemonde', weight: 1 },
  { domain: 'leparisien.pm', host: 'www.leparisien.pm', shape: 'dated', weight: 1 },
  { domain: 'liberation.top', host: 'liberation.top', shape: 'libe', weight: 1 },
  { domain: '20minutes.news', host: '20minutes.news', shape: 'slug', weight: 1 },
  { domain: 'bfmtv.media', host: 'www.bfmtv.media', shape: 'bfm', weight: 1 },
];

export const SLUG_WORDS_FR = [
  'presidentielle', 'macron', 'le-pen', 'debat', 'second-tour', 'sondage', 'europe', 'euro', 'emploi', 'securite',
  'campagne', 'meeting', 'abstention', 'reports', 'voix', 'programme', 'retraites', 'immigration', 'dette', 'verite',
  'chiffres', 'electeurs', 'front', 'republicain', 'en-marche', 'insoumis', 'vote', 'blanc', 'fraude', 'piratage',
]; // prettier-ignore

export const SLUG_WORDS_EN = [
  'french', 'election', 'macron', 'le-pen', 'debate', 'runoff', 'poll', 'europe', 'eu', 'far-right', 'centrist',
  'vote', 'france', 'campaign', 'hack', 'emails', 'russia', 'result',
]; // prettier-ignore

/** Hashtags as typed (case varies), most used first. */
export const HASHTAGS_FR = [
  'Presidentielle2017', 'presidentielle2017', 'Macron', 'LePen', 'JeVote', 'EnMarche', 'Marine2017', 'FN',
  'Presidentielle', 'SecondTour', 'France', 'Europe', 'NiMacronNiLePen', 'SansMoi', 'Elysee2017', 'BFMTV',
  'JT20H', 'Sondage', 'AuNomDuPeuple', 'LREM', 'FI', 'Abstention', 'VoteBlanc', 'Politique',
]; // prettier-ignore

export const HASHTAGS_EN = [
  'FrenchElection',
  'France',
  'Macron',
  'LePen',
  'EU',
  'Presidentielle2017',
  'Europe',
  'frenchelection2017',
];

/** Hashtags swarms push (drawn per swarm). */
export const SWARM_HASHTAGS = [
  'MacronLeaks', 'MacronGate', 'Marine2017', 'AuNomDuPeuple', 'SansMoiLe7Mai', 'NiMacronNiLePen', 'StopMacron',
  'FrenchElection', 'LeSystemeMacron', 'VoteMacron', 'FranceLibre', 'FraudeElectorale',
]; // prettier-ignore

/** Messages copy-paste swarms post, with their small edits. */
export const COPY_BASES_FR = [
  'Les médias ne vous diront jamais la vérité sur {cand}. Partagez avant que ce soit supprimé !',
  "{cand} a menti sur {topic}. Ouvrez les yeux, dimanche c'est trop tard.",
  'Scandale : {cand} cache tout sur {topic}. Faites tourner.',
  'Je ne voterai jamais pour {cand}. Et vous ?',
  "Dimanche, votez en conscience : {cand} n'est pas le candidat du peuple.",
  "Fraude massive en préparation dimanche. Surveillez les bureaux de vote !",
  'Ils ont peur. Plus que quelques jours. Tous ensemble contre {cand}.',
  'Incroyable ce que {cand} a dit sur {topic}, personne n\'en parle.',
]; // prettier-ignore

export const COPY_BASES_EN = [
  'The media will never tell you the truth about {cand}. Share before it gets deleted!',
  '{cand} lied about {topic}. France deserves better.',
  'Massive fraud expected on Sunday in France. Watch the polling stations!',
]; // prettier-ignore

/** Word swaps copy-paste operators use to dodge exact-match filters. */
export const SWAPS: [string, string][] = [
  ['vérité', 'réalité'],
  ['Partagez', 'Diffusez'],
  ['menti', 'trompé les Français'],
  ['Scandale', 'SCANDALE'],
  ['Faites tourner', 'Partagez un max'],
  ['jamais', 'JAMAIS'],
  ['Incroyable', 'Hallucinant'],
  ['personne', 'aucun média'],
  ['massive', 'organisée'],
  ['Surveillez', 'Surveillons'],
  ['truth', 'real story'],
  ['Share', 'RT'],
  ['lied', 'keeps lying'],
];

export const EMOJI_TAILS = [' 🇫🇷', ' 🔥', ' ‼️', ' 👇', ' 😡', ' 🙏'];

export interface Client {
  name: string;
  source: string;
}

function client(name: string, href: string): Client {
  return { name, source: `<a href="${href}" rel="nofollow">${name}</a>` };
}

/** Client applications with their v1.1 `source` HTML, organic shares first. */
export const CLIENTS: Client[] = [
  client('Twitter for Android', 'http://twitter.com/download/android'),
  client('Twitter for iPhone', 'http://twitter.com/download/iphone'),
  client('Twitter Web Client', 'http://twitter.com'),
  client('TweetDeck', 'https://about.twitter.com/products/tweetdeck'),
  client('Twitter for iPad', 'http://twitter.com/#!/download/ipad'),
  client('Mobile Web (M5)', 'https://mobile.twitter.com'),
  client('Facebook', 'http://www.facebook.com/twitter'),
  client('Hootsuite', 'https://hootsuite.com'),
  client('IFTTT', 'https://ifttt.com'),
  client('Twitter Lite', 'https://mobile.twitter.com'),
  // Index 10 onwards: scheduling tools seen more often in automated accounts.
  client('SocialOomph', 'https://www.socialoomph.com'),
  client('dlvr.it', 'https://dlvrit.com/'),
  client('Buffer', 'https://buffer.com'),
];
export const CLIENT_WEIGHTS_ORGANIC = [34, 30, 18, 5, 3, 3, 2, 2, 1, 1.5, 0.1, 0.2, 0.4];
export const CLIENT_WEIGHTS_SWARM = [20, 8, 40, 10, 0, 5, 0, 3, 3, 0, 4, 4, 3];
